// What a target's fleet runs on, decided from config alone: the processor architecture of its instance type,
// the architecture an AMI parameter names, the Amazon Linux 2023 AMI of an architecture, and the arguments of
// the new VPC (which the component passes to awsx and the offline plan models).

/** The processor architectures of EC2 instance types and AMIs, as EC2 names them (DescribeInstanceTypes, RegisterImage). */
export type Architecture = "x86_64" | "arm64";

/**
 * An instance type by the parts of its name (https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html):
 * the series (`c`, `im`, `mac`...), the generation, the processor family and additional capabilities (`gn` in `c7gn`),
 * an optional variant after a hyphen (`flex` in `m7i-flex`, `gb200` in `p6e-gb200`, `m4pro` in `mac-m4pro`), and the size
 * (`large`, `metal`, `metal-24xl`).
 * Every type @pulumi/aws lists has this form (tests/fleetArchitecture.test.ts).
 */
export const instanceTypePattern = /^([a-z]+)(\d*)([a-z]*)(?:-([a-z0-9]+))?\.([a-z0-9-]+)$/;

/**
 * The architecture of an instance type, from its name:
 * - the processor family `g` right after the generation is AWS Graviton, arm64 (`t4g`, `m7g`, `c7gn`, `x2gd`, `im4gn`,
 *   `is4gen`, `g5g`: "Processor family: g – AWS Graviton processors", in the naming conventions above);
 * - `a1`, the first Graviton generation, names no processor family (https://aws.amazon.com/ec2/instance-types/a1/);
 * - a `gb` variant is an NVIDIA Grace Blackwell superchip (`p6e-gb200`), whose CPU, NVIDIA Grace, is Arm
 *   (https://aws.amazon.com/ec2/instance-types/p6/);
 * - Mac instances are Apple computers: `mac1` an Intel Mac mini, the later ones (`mac2`, `mac2-m2pro`, `mac-m4`...) Apple
 *   silicon, arm64 (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-mac-instances.html);
 * - every other family is x86_64 (Intel `i`, AMD `a`, or no processor letter).
 * Throws for a name not of that form, which config refuses (instanceTypePattern).
 */
export function instanceTypeArchitecture(instanceType: string): Architecture {
    const parts = instanceTypePattern.exec(instanceType);
    if (!parts) {
        throw new Error(`"${instanceType}" is not an EC2 instance type name`);
    }
    const [, series, generation, processorAndCapabilities, variant] = parts;
    const arm64 = processorAndCapabilities.startsWith("g")
        || (series === "a" && generation === "1")
        || (variant?.startsWith("gb") ?? false)
        || (series === "mac" && generation !== "1");
    return arm64 ? "arm64" : "x86_64";
}

/**
 * Mac instances run only macOS AMIs, and only on Dedicated Hosts allocated for them beforehand
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-mac-instances.html): the fleet's Amazon Linux instances in
 * an Auto Scaling group of the default tenancy would never launch.
 */
export function isMacInstanceType(instanceType: string): boolean {
    return instanceTypePattern.exec(instanceType)?.[1] === "mac";
}

/**
 * The latest Amazon Linux 2023 AMI of each architecture, as the public SSM parameters AWS maintains name them
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-public-parameters-ami.html,
 * https://docs.aws.amazon.com/linux/al2023/ug/ec2.html).
 */
export const amazonLinux2023Parameters: Readonly<Record<Architecture, string>> = {
    x86_64: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    arm64: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
};

/**
 * The words for an architecture in the names of AWS's public AMI parameters: `x86_64` and `arm64` (Amazon Linux:
 * `.../al2023-ami-kernel-default-arm64`, `.../amzn2-ami-hvm-x86_64-gp2`; macOS: `.../arm64_mac/...`), `amd64` (Ubuntu:
 * `/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id`; Debian), and `aarch64`.
 */
const architectureWords: Readonly<Record<string, Architecture>> = { x86_64: "x86_64", amd64: "x86_64", arm64: "arm64", aarch64: "arm64" };
const architectureWord = /(?<![a-z0-9])(x86_64|amd64|arm64|aarch64)(?![a-z0-9])/gi;

/**
 * The architecture an AMI parameter's name says, as a word of its own (between `/`, `-`, `_` or `.`); undefined when it
 * names none, or both (then it says nothing the plan can rely on).
 */
export function amiParameterArchitecture(parameter: string): Architecture | undefined {
    const named = new Set([...parameter.matchAll(architectureWord)].map(([word]) => architectureWords[word.toLowerCase()]));
    return named.size === 1 ? [...named][0] : undefined;
}

/**
 * The arguments of the VPC of `vpc: new` (awsx.ec2.Vpc), besides its region: two zones; awsx's default subnets in each,
 * one private and one public, laid out in the order they are specified ("Auto"); one NAT gateway for both zones. The
 * component passes them, and the offline plan lists what awsx creates from them (offline-plan/awsxVpc.ts).
 */
export const newVpcArgs = {
    numberOfAvailabilityZones: 2,
    subnetStrategy: "Auto",
    natGateways: { strategy: "Single" },
} as const;
