import { strict as assert } from "node:assert";
import { arn } from "../definition/names";
import { deployRoleArn } from "../definition/pipeline";
import type { PolicyDocument } from "../policies/document";
import {
    artifactBucketPolicy, artifactGrantees, artifactKeyPolicy, buildRolePolicy, buildRoleTrustPolicy, pipelineRolePolicy, pipelineRoleTrustPolicy,
    sourceTriggerTrustPolicy,
} from "../policies/pipelineAccount";
import {
    codeDeployServiceRoleTrustPolicy, crossAccountRolePolicy, crossAccountRoleTrustPolicy, instanceRolePolicy, instanceRoleTrustPolicy,
} from "../policies/targetAccount";
import { pipelineAccountId, target, targetAccountId } from "./fixtures";

const productionAccountId = "333333333333";
const region = "us-east-2";
const partition = "aws";
const pipelineName = "Pipe";
const bucketName = `pipe-${pipelineAccountId}-${region}-artifacts`;
const keyArn = `arn:aws:kms:${region}:${pipelineAccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const pipelineRoleArn = `arn:aws:iam::${pipelineAccountId}:role/Pipe-CodePipelineService`;
const buildRoleArn = `arn:aws:iam::${pipelineAccountId}:role/Pipe-CodeBuildService`;
const bucketArn = `arn:aws:s3:::${bucketName}`;
const objectsArn = `${bucketArn}/*`;

/** A statement as it reaches AWS, with Action and Resource always lists. */
interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: "*" | Record<string, string | string[]>;
    Action: string[];
    Resource: string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

/** The document as JSON would carry it, normalised. */
function statementsOf(document: PolicyDocument): Statement[] {
    const json = JSON.parse(JSON.stringify(document)) as { Version: string; Statement: Record<string, unknown>[] };
    assert.equal(json.Version, "2012-10-17");
    const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]) as string[];
    return json.Statement.map((s) => ({ ...s, Action: list(s.Action), Resource: list(s.Resource) }) as Statement);
}

const bySid = (statements: Statement[], sid: string) => {
    const found = statements.find((s) => s.Sid === sid);
    assert.ok(found, `statement ${sid} among ${statements.map((s) => s.Sid).join(", ")}`);
    return found;
};
const awsPrincipals = (s: Statement) => (s.Principal === "*" ? ["*"] : [s.Principal?.AWS ?? []].flat());
const principalArnCondition = (s: Statement) => [s.Condition?.ArnEquals?.["aws:PrincipalArn"] ?? []].flat();
const allResources = (statements: Statement[]) => statements.flatMap((s) => s.Resource);
const allActions = (statements: Statement[]) => statements.flatMap((s) => s.Action);

const targets = [
    target("Staging", targetAccountId, { crossAccountRoleName: "CrossAccount_Role" }),
    target("Production", productionAccountId),
];
const grantees = artifactGrantees(targets, region);
const instanceRoleArn = (t: (typeof targets)[number]) => arn.role(partition, t.accountId, t.instanceRoleName);

describe("artifactGrantees", () => {
    it("lists the deploy and instance roles of the targets in the store's region only", () => {
        const west = target("West", productionAccountId, { region: "us-west-2" });
        assert.deepEqual(artifactGrantees([...targets, west], region).map((g) => g.targetName), ["Staging", "Production"]);
        assert.deepEqual(artifactGrantees([...targets, west], "us-west-2"), [{
            targetName: "West", accountId: productionAccountId, deployRoleArn: deployRoleArn(west), instanceRoleArn: instanceRoleArn(west),
        }]);
    });
});

describe("artifact key policy", () => {
    const statements = statementsOf(artifactKeyPolicy({ partition, pipelineAccountId, pipelineRoleArns: [pipelineRoleArn, buildRoleArn], grantees }));
    const forAccount = (accountId: string) => statements.filter((s) => awsPrincipals(s).includes(`arn:aws:iam::${accountId}:root`));

    for (const t of targets) {
        describe(`for target ${t.name}`, () => {
            it("grants its account only through aws:PrincipalArn, with ArnEquals, of that target's own roles", () => {
                const grants = forAccount(t.accountId);
                assert.equal(grants.length, 2);
                for (const grant of grants) {
                    assert.equal(grant.Effect, "Allow");
                    assert.deepEqual(awsPrincipals(grant), [`arn:aws:iam::${t.accountId}:root`]);
                    assert.deepEqual(Object.keys(grant.Condition ?? {}), ["ArnEquals"]);
                    assert.ok(principalArnCondition(grant).length > 0, "the grant names its roles");
                    for (const roleArn of principalArnCondition(grant)) {
                        assert.ok([deployRoleArn(t), instanceRoleArn(t)].includes(roleArn), `${roleArn} is a role of ${t.name}`);
                    }
                }
            });

            it("lets the deploy role encrypt and decrypt", () => {
                const [grant] = forAccount(t.accountId).filter((s) => principalArnCondition(s).includes(deployRoleArn(t)));
                assert.deepEqual(principalArnCondition(grant), [deployRoleArn(t)]);
                for (const action of ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]) {
                    assert.ok(grant.Action.includes(action), `${action} for the deploy role`);
                }
            });

            it("lets the instance role only decrypt and describe the key", () => {
                const [grant] = forAccount(t.accountId).filter((s) => principalArnCondition(s).includes(instanceRoleArn(t)));
                assert.deepEqual(principalArnCondition(grant), [instanceRoleArn(t)]);
                assert.deepEqual([...grant.Action].sort(), ["kms:Decrypt", "kms:DescribeKey"]);
            });
        });
    }

    it("grants no one outside the pipeline and target accounts, and no wildcard principal", () => {
        const accounts = statements.flatMap(awsPrincipals);
        assert.ok(!accounts.includes("*"));
        assert.deepEqual([...new Set(accounts)].sort(), [pipelineAccountId, targetAccountId, productionAccountId].map((a) => `arn:aws:iam::${a}:root`));
    });

    it("lets the pipeline account's pipeline and build roles use the key", () => {
        const grant = bySid(statements, "AllowPipelineRolesToUseTheKey");
        assert.deepEqual(principalArnCondition(grant), [pipelineRoleArn, buildRoleArn]);
        assert.ok(grant.Action.includes("kms:GenerateDataKey*") && grant.Action.includes("kms:Decrypt"));
    });
});

describe("artifact bucket policy", () => {
    const otherKey = `arn:aws:kms:${region}:${pipelineAccountId}:alias/pipeline-key`;
    const statements = statementsOf(artifactBucketPolicy({ partition, bucketName, allowedKeyIds: [keyArn, otherKey, keyArn], grantees }));
    const denies = statements.filter((s) => s.Effect === "Deny");

    /** The deny whose condition tests `key` with `operator`. */
    const denyOn = (operator: string, key: string) => {
        const found = denies.find((s) => s.Condition?.[operator]?.[key] !== undefined);
        assert.ok(found, `a Deny with ${operator} on ${key}`);
        assert.equal(found.Principal, "*", "a guard applies to everyone");
        return { statement: found, value: found.Condition![operator][key] };
    };

    it("denies requests without TLS on the bucket and its objects (the walkthrough's DenyInsecureConnections)", () => {
        const { statement, value } = denyOn("Bool", "aws:SecureTransport");
        assert.equal(value, "false");
        assert.deepEqual(statement.Action, ["s3:*"]);
        assert.deepEqual([...statement.Resource].sort(), [bucketArn, objectsArn].sort());
    });

    it("denies requests over TLS older than 1.2", () => {
        const { statement, value } = denyOn("NumericLessThan", "s3:TlsVersion");
        assert.equal(value, "1.2");
        assert.deepEqual([...statement.Resource].sort(), [bucketArn, objectsArn].sort());
    });

    it("denies uploads without SSE-KMS (the walkthrough's DenyUnEncryptedObjectUploads)", () => {
        const { statement, value } = denyOn("StringNotEquals", "s3:x-amz-server-side-encryption");
        assert.equal(value, "aws:kms");
        assert.deepEqual(statement.Action, ["s3:PutObject"]);
        assert.deepEqual(statement.Resource, [objectsArn]);
    });

    it("denies uploads that name another key than the artifact key, listing each allowed id once", () => {
        const { statement, value } = denyOn("StringNotEquals", "s3:x-amz-server-side-encryption-aws-kms-key-id");
        assert.deepEqual(value, [keyArn, otherKey]);
        assert.deepEqual(statement.Action, ["s3:PutObject"]);
        // Only uploads that name a key: the others get the bucket's default key, the artifact key.
        assert.deepEqual(statement.Condition?.Null, { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" });
    });

    it("has no Allow for a wildcard principal", () => {
        const open = statements.filter((s) => s.Effect === "Allow" && (awsPrincipals(s).includes("*") || s.Principal === undefined));
        assert.deepEqual(open, []);
    });

    for (const t of targets) {
        it(`grants ${t.name}'s account only through aws:PrincipalArn of its roles: read-write for the deploy role, read for the instance role`, () => {
            const grants = statements.filter((s) => s.Effect === "Allow" && awsPrincipals(s).includes(`arn:aws:iam::${t.accountId}:root`));
            assert.ok(grants.length > 0);
            for (const grant of grants) {
                assert.deepEqual(Object.keys(grant.Condition ?? {}), ["ArnEquals"]);
                assert.ok(principalArnCondition(grant).length > 0, "the grant names its roles");
                assert.ok(principalArnCondition(grant).every((r) => [deployRoleArn(t), instanceRoleArn(t)].includes(r)));
            }
            const instanceActions = grants.filter((s) => principalArnCondition(s).includes(instanceRoleArn(t))).flatMap((s) => s.Action);
            assert.deepEqual([...new Set(instanceActions)].sort(), ["s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]);
            const deployActions = grants.filter((s) => principalArnCondition(s).includes(deployRoleArn(t))).flatMap((s) => s.Action);
            assert.ok(deployActions.includes("s3:PutObject") && deployActions.includes("s3:GetObject"));
            assert.ok(!deployActions.includes("s3:PutObjectAcl"), "no ACLs: the bucket enforces its owner");
        });
    }
});

describe("service roles: trusted by their service, with the confused-deputy keys that service documents sending", () => {
    it("the pipeline role: by CodePipeline, in its documented form, without a condition on keys CodePipeline does not document", () => {
        const statements = statementsOf(pipelineRoleTrustPolicy());
        assert.deepEqual(statements, [{ Sid: "AllowServiceToAssumeRole", Effect: "Allow", Principal: { Service: "codepipeline.amazonaws.com" }, Action: ["sts:AssumeRole"], Resource: [] }]);
    });

    it("the build role: by CodeBuild for this account's build project only", () => {
        const [trust] = statementsOf(buildRoleTrustPolicy(partition, region, pipelineAccountId, pipelineName));
        assert.deepEqual(trust.Principal, { Service: "codebuild.amazonaws.com" });
        assert.deepEqual(trust.Condition, {
            StringEquals: { "aws:SourceAccount": pipelineAccountId },
            ArnLike: { "aws:SourceArn": `arn:aws:codebuild:${region}:${pipelineAccountId}:project/Pipe-Build` },
        });
    });

    it("the source trigger role: by EventBridge for this account's source-changed rule on the default bus only", () => {
        const [trust] = statementsOf(sourceTriggerTrustPolicy(partition, region, pipelineAccountId, pipelineName));
        assert.deepEqual(trust.Principal, { Service: "events.amazonaws.com" });
        assert.deepEqual(trust.Condition, {
            StringEquals: { "aws:SourceAccount": pipelineAccountId },
            ArnLike: { "aws:SourceArn": `arn:aws:events:${region}:${pipelineAccountId}:rule/Pipe-SourceChanged` },
        });
    });

    it("the CodeDeploy role: by CodeDeploy for the target's deployment group only", () => {
        const [trust] = statementsOf(codeDeployServiceRoleTrustPolicy(partition, region, targetAccountId, "App", "Group"));
        assert.deepEqual(trust.Principal, { Service: "codedeploy.amazonaws.com" });
        assert.deepEqual(trust.Condition, {
            StringEquals: { "aws:SourceAccount": targetAccountId },
            ArnLike: { "aws:SourceArn": `arn:aws:codedeploy:${region}:${targetAccountId}:deploymentgroup:App/Group` },
        });
    });
});

describe("pipeline role", () => {
    const policy = (crossAccountRoleArns: string[]) => statementsOf(pipelineRolePolicy({
        partition, region, pipelineAccountId, pipelineName,
        artifactStores: [{ bucketName, keyArn }], source: { bucketName: "pipe-source" }, crossAccountRoleArns,
    }));
    const roleArns = targets.map(deployRoleArn);

    it("may assume exactly the targets' deploy roles", () => {
        const assuming = policy(roleArns).filter((s) => s.Action.some((a) => a.startsWith("sts:")));
        assert.equal(assuming.length, 1);
        assert.deepEqual(assuming[0].Action, ["sts:AssumeRole"]);
        assert.deepEqual(assuming[0].Resource, roleArns);
    });

    it("may assume no role at all without targets", () => {
        assert.deepEqual(policy([]).filter((s) => s.Action.some((a) => a.startsWith("sts:"))), []);
    });

    it("names no wildcard resource", () => {
        const resources = allResources(policy(roleArns));
        assert.ok(!resources.some((r) => r === "*" || r.endsWith(":role/*")), resources.join("\n"));
    });

    it("uses the artifact key by ARN, and a CodeStar connection instead of a source bucket when configured", () => {
        const connectionArn = `arn:aws:codestar-connections:${region}:${pipelineAccountId}:connection/abcd-1234`;
        const statements = statementsOf(pipelineRolePolicy({
            partition, region, pipelineAccountId, pipelineName, artifactStores: [{ bucketName, keyArn }], source: { connectionArn }, crossAccountRoleArns: roleArns,
        }));
        assert.deepEqual(bySid(statements, "UseArtifactKeys").Resource, [keyArn]);
        assert.deepEqual(bySid(statements, "UseSourceConnection").Resource, [connectionArn]);
        assert.ok(!statements.some((s) => s.Sid === "ReadSourceBundle"));
    });
});

describe("build role policy", () => {
    it("reaches only its own log group, the artifact bucket and the artifact key", () => {
        const statements = statementsOf(buildRolePolicy({ partition, region, pipelineAccountId, pipelineName, artifactBucketName: bucketName, artifactKeyArn: keyArn }));
        assert.deepEqual([...new Set(allResources(statements))].sort(), [
            `arn:aws:logs:${region}:${pipelineAccountId}:log-group:/aws/codebuild/Pipe-Build`,
            `arn:aws:logs:${region}:${pipelineAccountId}:log-group:/aws/codebuild/Pipe-Build:*`, bucketArn, objectsArn, keyArn,
        ].sort());
    });
});

describe("cross-account role", () => {
    it("is trusted by exactly the pipeline role: the pipeline account narrowed by aws:PrincipalArn, creatable before that role exists", () => {
        const statements = statementsOf(crossAccountRoleTrustPolicy(`arn:aws:iam::${pipelineAccountId}:root`, pipelineRoleArn));
        assert.equal(statements.length, 1);
        assert.deepEqual(statements[0].Principal, { AWS: `arn:aws:iam::${pipelineAccountId}:root` });
        assert.deepEqual(statements[0].Condition, { ArnEquals: { "aws:PrincipalArn": [pipelineRoleArn] } });
        assert.deepEqual(statements[0].Action, ["sts:AssumeRole"]);
        assert.equal(statements[0].Effect, "Allow");
    });

    const args = {
        partition, region, accountId: targetAccountId, applicationName: "App", deploymentGroupName: "Group",
        deploymentConfigName: "CodeDeployDefault.OneAtATime", artifactBucketName: bucketName, artifactKeyArn: keyArn,
    };
    const statements = statementsOf(crossAccountRolePolicy(args));
    const codeDeployArns = {
        application: `arn:aws:codedeploy:${region}:${targetAccountId}:application:App`,
        deploymentGroup: `arn:aws:codedeploy:${region}:${targetAccountId}:deploymentgroup:App/Group`,
        deploymentConfig: `arn:aws:codedeploy:${region}:${targetAccountId}:deploymentconfig:CodeDeployDefault.OneAtATime`,
    };
    /** The resources a CodeDeploy action is allowed on. */
    const resourcesOf = (action: string) => statements.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource);

    it("scopes CodeDeploy to the application, the deployment group and the deployment config", () => {
        assert.deepEqual(resourcesOf("codedeploy:CreateDeployment"), [codeDeployArns.deploymentGroup]);
        assert.deepEqual(resourcesOf("codedeploy:GetDeployment"), [codeDeployArns.deploymentGroup]);
        assert.deepEqual(resourcesOf("codedeploy:RegisterApplicationRevision"), [codeDeployArns.application]);
        assert.deepEqual(resourcesOf("codedeploy:GetApplicationRevision"), [codeDeployArns.application]);
        assert.deepEqual(resourcesOf("codedeploy:GetDeploymentConfig"), [codeDeployArns.deploymentConfig]);
        const codeDeployResources = statements.filter((s) => s.Action.some((a) => a.startsWith("codedeploy:"))).flatMap((s) => s.Resource);
        assert.deepEqual([...new Set(codeDeployResources)].sort(), Object.values(codeDeployArns).sort());
    });

    it("names no wildcard resource and no wildcard action", () => {
        assert.ok(!allResources(statements).includes("*"), allResources(statements).join("\n"));
        assert.ok(!allActions(statements).some((a) => a === "*" || a.endsWith(":*")), allActions(statements).join("\n"));
    });

    it("copies neither the walkthrough's codecommit actions nor s3:PutObjectAcl", () => {
        assert.deepEqual(allActions(statements).filter((a) => a.startsWith("codecommit:") || a === "s3:PutObjectAcl"), []);
    });

    it("reads and writes the artifacts with the artifact key", () => {
        assert.deepEqual(resourcesOf("s3:PutObject"), [objectsArn]);
        assert.deepEqual(resourcesOf("s3:GetObject"), [objectsArn]);
        assert.deepEqual(resourcesOf("kms:Decrypt"), [keyArn]);
        assert.deepEqual(resourcesOf("kms:GenerateDataKey*"), [keyArn]);
    });
});

describe("instance role", () => {
    it("is trusted by EC2", () => {
        const [trust] = statementsOf(instanceRoleTrustPolicy());
        assert.deepEqual(trust.Principal, { Service: "ec2.amazonaws.com" });
        assert.deepEqual(trust.Action, ["sts:AssumeRole"]);
    });

    it("may only read the artifacts and decrypt them with the artifact key", () => {
        const statements = statementsOf(instanceRolePolicy({ partition, artifactBucketName: bucketName, artifactKeyArn: keyArn }));
        assert.ok(statements.every((s) => s.Effect === "Allow"));
        const grants = statements.flatMap((s) => s.Action.map((action) => `${action} ${s.Resource.join(",")}`)).sort();
        assert.deepEqual(grants, [
            `kms:Decrypt ${keyArn}`,
            `kms:DescribeKey ${keyArn}`,
            `s3:GetBucketLocation ${bucketArn}`,
            `s3:GetObject ${objectsArn}`,
            `s3:GetObjectVersion ${objectsArn}`,
            `s3:ListBucket ${bucketArn}`,
        ]);
    });
});
