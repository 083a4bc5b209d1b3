// A fleet's AMI against its instance type's architecture: the decisions on the names, and config refusing a mismatch.
import * as assert from "node:assert/strict";
import { InstanceType } from "@pulumi/aws/types/enums/ec2";
import { amazonLinux2023Parameters, amiParameterArchitecture, instanceTypeArchitecture, instanceTypePattern, isMacInstanceType } from "../definition/fleet";
import { parsed, problemsOf, rawConfig, stagingEntry } from "./fixtures";

/**
 * The arm64 families among the instance types the pinned @pulumi/aws lists: the AWS Graviton families (the `g` after the
 * generation; a1, the first Graviton), the Grace Blackwell p6e-gb200, and the Mac instances on Apple silicon.
 */
const arm64Families = [
    "a1",
    "c6g", "c6gd", "c6gn", "c7g", "c7gd", "c7gn", "c8g", "c8gb", "c8gd", "c8gn", "c9g", "c9gd",
    "g5g", "hpc7g", "i4g", "i8g", "i8ge", "im4gn", "is4gen",
    "m6g", "m6gd", "m7g", "m7gd", "m8g", "m8gb", "m8gd", "m8gn", "m9g", "m9gd",
    "r6g", "r6gd", "r7g", "r7gd", "r8g", "r8gb", "r8gd", "r8gn",
    "t4g", "x2gd", "x8g",
    "p6e-gb200",
    "mac-m3ultra", "mac-m4", "mac-m4max", "mac-m4pro", "mac2", "mac2-m1ultra", "mac2-m2", "mac2-m2pro",
];

const familyOf = (instanceType: string) => instanceType.split(".")[0];

describe("fleet: the architecture of an instance type, from its name", () => {
    const listed: string[] = Object.values(InstanceType);

    it("reads every instance type the pinned AWS provider lists", () => {
        assert.ok(listed.length > 1000, `the provider's list is read (${listed.length})`);
        assert.deepEqual(listed.filter((type) => !instanceTypePattern.test(type)), []);
    });

    it("finds arm64 exactly in the Graviton, Grace and Apple silicon families, and x86_64 in every other", () => {
        const arm64 = [...new Set(listed.filter((type) => instanceTypeArchitecture(type) === "arm64").map(familyOf))].sort();
        assert.deepEqual(arm64, [...arm64Families].sort());
        for (const type of ["t3.micro", "t3a.small", "m7i-flex.large", "c7a.medium", "g4dn.xlarge", "g6e.xlarge", "gr6.4xlarge", "inf2.xlarge", "trn2.48xlarge",
            "u-6tb1.56xlarge", "u7i-12tb.224xlarge", "p6-b200.48xlarge", "mac1.metal"]) {
            assert.equal(instanceTypeArchitecture(type), "x86_64", type);
        }
    });

    it("takes Graviton from the processor family `g` after the generation, whatever capabilities follow it", () => {
        for (const type of ["t4g.small", "m7g.large", "c7gn.medium", "x2gd.large", "im4gn.large", "is4gen.medium", "g5g.xlarge", "r8gd.large"]) {
            assert.equal(instanceTypeArchitecture(type), "arm64", type);
        }
        assert.equal(instanceTypeArchitecture("g5.xlarge"), "x86_64", "g as the series is a GPU family, not Graviton");
    });

    it("knows a1, which names no processor family, as Graviton, and Mac instances by their processor", () => {
        assert.equal(instanceTypeArchitecture("a1.medium"), "arm64");
        assert.equal(instanceTypeArchitecture("mac1.metal"), "x86_64");
        assert.equal(instanceTypeArchitecture("mac2-m2pro.metal"), "arm64");
        assert.equal(instanceTypeArchitecture("mac-m4.metal"), "arm64");
    });

    it("refuses a name that is no instance type", () => {
        assert.throws(() => instanceTypeArchitecture("t3micro"), /"t3micro" is not an EC2 instance type name/);
    });

    it("tells Mac instance types from the others", () => {
        assert.deepEqual(["mac1.metal", "mac2.metal", "mac-m4pro.metal", "m7g.large", "m5.large"].map(isMacInstanceType), [true, true, true, false, false]);
    });
});

describe("fleet: the architecture an AMI parameter's name says", () => {
    const cases: [string, string | undefined][] = [
        [amazonLinux2023Parameters.x86_64, "x86_64"],
        [amazonLinux2023Parameters.arm64, "arm64"],
        ["/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2", "x86_64"],
        ["/aws/service/ami-amazon-linux-latest/amzn2-ami-kernel-5.10-hvm-arm64-gp2", "arm64"],
        ["/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id", "x86_64"],
        ["/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id", "arm64"],
        ["/aws/service/ec2-macos/sonoma/arm64_mac/latest/image_id", "arm64"],
        ["/golden/ami-AARCH64", "arm64"],
        ["/golden/ami", undefined],
        ["/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base", undefined],
        ["/golden/farm64/x86_64bit", undefined],
        ["/golden/arm64-from-x86_64", undefined],
    ];
    for (const [parameter, architecture] of cases) {
        it(`${parameter}: ${architecture ?? "says none"}`, () => assert.equal(amiParameterArchitecture(parameter), architecture));
    }
});

describe("fleet: config checks the AMI against the instance type", () => {
    const fleetOf = (fleet: unknown) => parsed("accountB", { targets: [stagingEntry({ fleet })] }).targets[0].fleet;
    const problemsWith = (fleet: unknown) => problemsOf(rawConfig("accountB", { targets: [stagingEntry({ fleet })] }));

    it("gives a fleet without amiParameter the Amazon Linux 2023 of its instance type's architecture", () => {
        assert.equal(fleetOf(true)?.amiParameter, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
        assert.equal(fleetOf({ instanceType: "t3.small" })?.amiParameter, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
        assert.equal(fleetOf({ instanceType: "t4g.small" })?.amiParameter, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
    });

    it("keeps an amiParameter of the instance type's architecture, and one whose name says none", () => {
        assert.equal(fleetOf({ instanceType: "m7g.large", amiParameter: amazonLinux2023Parameters.arm64 })?.amiParameter, amazonLinux2023Parameters.arm64);
        assert.equal(fleetOf({ instanceType: "t4g.small", amiParameter: "/golden/ami" })?.amiParameter, "/golden/ami");
        assert.equal(fleetOf({ instanceType: "t3.micro", amiParameter: "/golden/ami" })?.amiParameter, "/golden/ami");
    });

    it("refuses an x86_64 AMI for a Graviton instance type, naming both and what to use", () => {
        const problems = problemsWith({ instanceType: "t4g.small", amiParameter: amazonLinux2023Parameters.x86_64 });
        assert.deepEqual(problems, [
            `targets[0].fleet.amiParameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" names an x86_64 AMI, but instanceType "t4g.small" is arm64, ` +
            "and EC2 launches an instance only from an AMI of its architecture; expected an arm64 AMI parameter such as " +
            `"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" (what leaving amiParameter out gives), or an x86_64 instance type`,
        ]);
    });

    it("refuses an arm64 AMI for an x86_64 instance type, and an amd64 one for Graviton", () => {
        assert.match(problemsWith({ instanceType: "t3.micro", amiParameter: amazonLinux2023Parameters.arm64 }).join("\n"),
            /^targets\[0\]\.fleet\.amiParameter: ".*-arm64" names an arm64 AMI, but instanceType "t3\.micro" is x86_64, .* expected an x86_64 AMI parameter such as ".*-x86_64" .*, or an arm64 instance type$/);
        const ubuntu = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id";
        assert.match(problemsWith({ instanceType: "c7gn.medium", amiParameter: ubuntu }).join("\n"), /names an x86_64 AMI, but instanceType "c7gn\.medium" is arm64/);
    });

    it("refuses a Mac instance type, which runs macOS on Dedicated Hosts only", () => {
        assert.deepEqual(problemsWith({ instanceType: "mac2.metal" }), [
            `targets[0].fleet.instanceType: "mac2.metal" is a Mac instance type, which runs only macOS, on a Dedicated Host; ` +
            `expected an instance type the fleet's Amazon Linux runs on, such as "t3.micro" or "t4g.micro"`,
        ]);
    });

    it("refuses an instance type that is no instance type name, without a second problem about its AMI", () => {
        const problems = problemsWith({ instanceType: "t4g", amiParameter: amazonLinux2023Parameters.x86_64 });
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^targets\[0\]\.fleet\.instanceType: "t4g" .*expected an EC2 instance type such as "t3\.micro"/);
    });
});
