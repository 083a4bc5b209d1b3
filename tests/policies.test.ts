import { strict as assert } from "node:assert";
import { deployRoleArn, instanceRoleArn } from "../definition/pipeline";
import type { PolicyDocument } from "../policies/document";
import {
    artifactBucketPolicy, artifactGrantees, artifactKeyPolicy, buildRolePolicy, buildRoleTrustPolicy, pipelineRolePolicy, pipelineRoleTrustPolicy,
    sourceTriggerTrustPolicy,
} from "../policies/pipelineAccount";
import {
    codeDeployServiceRoleTrustPolicy, crossAccountRolePolicy, crossAccountRoleTrustPolicy, instanceRolePolicy, instanceRoleTrustPolicy, producerRolePolicy,
} from "../policies/targetAccount";
import type { ExtraActionConfig } from "../config";
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
const pipeline = { pipelineAccountId, pipelineName, region, targets, extraActions: [] as ExtraActionConfig[] };
const grantees = artifactGrantees(pipeline, region);
const rolesUnder = (kind: string) => `arn:aws:iam::*:role/cross-account-pipeline/${pipelineAccountId}/${pipelineName}/${kind}/*`;
const roots = (...accounts: string[]) => accounts.map((a) => `arn:aws:iam::${a}:root`);
const principalArnPatterns = (s: Statement) => [s.Condition?.ArnLike?.["aws:PrincipalArn"] ?? []].flat();
/** The document's size as S3 and KMS count it: its JSON, in bytes. */
const bytes = (document: PolicyDocument) => Buffer.byteLength(JSON.stringify(document));

/** An extra action of `targetName` that produces an artifact. */
const producing = (targetName: string, stage = targetName): ExtraActionConfig => ({
    stage, name: "Report", category: "Test", owner: "AWS", provider: "CodeBuild", version: "1", target: targetName,
    inputArtifacts: ["BuildOutput"], outputArtifacts: [`${targetName}Report`], configuration: {}, runOrder: 2,
});

describe("artifactGrantees", () => {
    it("lists the target accounts of the store's region, each once, and this pipeline's role paths of each kind", () => {
        const west = target("West", productionAccountId, { region: "us-west-2" });
        const sameAccount = target("StagingTwo", targetAccountId);
        assert.deepEqual(artifactGrantees({ ...pipeline, targets: [...targets, sameAccount, west] }, region), {
            accountIds: [targetAccountId, productionAccountId], producerAccountIds: [],
            roles: { deploy: rolesUnder("deploy"), instance: rolesUnder("instance"), producer: rolesUnder("producer") },
        });
        assert.deepEqual(artifactGrantees({ ...pipeline, targets: [...targets, west] }, "us-west-2").accountIds, [productionAccountId]);
    });

    it("lists as producers only the accounts of the store's region where an extra action with output artifacts runs", () => {
        const west = target("West", "444444444444", { region: "us-west-2" });
        const readsOnly = { ...producing("Staging"), outputArtifacts: [] };
        const extraActions = [producing("Production"), producing("West"), readsOnly];
        const withExtras = { ...pipeline, targets: [...targets, west], extraActions };
        assert.deepEqual(artifactGrantees(withExtras, region).producerAccountIds, [productionAccountId]);
        assert.deepEqual(artifactGrantees(withExtras, "us-west-2").producerAccountIds, ["444444444444"]);
    });

    it("carries the organization when config names one", () => {
        assert.equal(artifactGrantees({ ...pipeline, organizationId: "o-a1b2c3d4e5" }, region).organizationId, "o-a1b2c3d4e5");
        assert.ok(!("organizationId" in grantees));
    });

    it("names the roles by the same paths as the roles' own ARNs", () => {
        const [staging] = targets;
        const under = (kind: string) => rolesUnder(kind).replace("::*:", `::${targetAccountId}:`).slice(0, -1);
        assert.ok(deployRoleArn(pipeline, staging).startsWith(under("deploy")) && instanceRoleArn(pipeline, staging).startsWith(under("instance")));
        assert.equal(deployRoleArn(pipeline, staging), `arn:aws:iam::${targetAccountId}:role/cross-account-pipeline/${pipelineAccountId}/Pipe/deploy/CrossAccount_Role`);
        assert.equal(instanceRoleArn(pipeline, staging), `arn:aws:iam::${targetAccountId}:role/cross-account-pipeline/${pipelineAccountId}/Pipe/instance/Staging-CodeDeployInstance`);
    });
});

describe("artifact key policy", () => {
    const keyPolicy = (g = grantees) => artifactKeyPolicy({ partition, pipelineAccountId, pipelineRoleArns: [pipelineRoleArn, buildRoleArn], grantees: g });
    const statements = statementsOf(keyPolicy());

    it("lets every target account decrypt in one statement: their roots, narrowed by ArnLike aws:PrincipalArn to this pipeline's deploy and instance roles", () => {
        const grant = bySid(statements, "AllowTargetRolesToDecrypt");
        assert.equal(grant.Effect, "Allow");
        assert.deepEqual(awsPrincipals(grant), roots(targetAccountId, productionAccountId));
        assert.deepEqual(grant.Condition, { ArnLike: { "aws:PrincipalArn": [rolesUnder("deploy"), rolesUnder("instance")] } });
        assert.deepEqual(grant.Action, ["kms:Decrypt", "kms:DescribeKey"]);
        assert.equal(statements.filter((s) => s.Effect === "Allow" && awsPrincipals(s).includes(`arn:aws:iam::${targetAccountId}:root`)).length, 1, "one statement for all targets");
    });

    it("denies the deploy and instance roles, of any account, every action that encrypts: they only decrypt, whatever their own account grants them", () => {
        const deny = bySid(statements, "DenyReadingRolesToEncrypt");
        assert.equal(deny.Effect, "Deny");
        assert.equal(deny.Principal, "*");
        assert.deepEqual(deny.Condition, { ArnLike: { "aws:PrincipalArn": [rolesUnder("deploy"), rolesUnder("instance")] } });
        assert.deepEqual([...deny.Action].sort(), ["kms:CreateGrant", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]);
    });

    it("lets only the producer roles of the accounts that produce artifacts encrypt, in a statement of their own", () => {
        assert.ok(!statements.some((s) => s.Sid === "AllowProducerRolesToUseTheKey"), "no producer, no grant to encrypt");
        const withProducer = statementsOf(keyPolicy({ ...grantees, producerAccountIds: [productionAccountId] }));
        const grant = bySid(withProducer, "AllowProducerRolesToUseTheKey");
        assert.deepEqual(awsPrincipals(grant), roots(productionAccountId));
        assert.deepEqual(grant.Condition, { ArnLike: { "aws:PrincipalArn": [rolesUnder("producer")] } });
        assert.deepEqual(grant.Action, ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*"], "what an SSE-KMS upload takes, no kms:Encrypt or ReEncrypt");
        assert.ok(!principalArnPatterns(bySid(withProducer, "DenyReadingRolesToEncrypt")).includes(rolesUnder("producer")));
    });

    it("grows by one account root per target account, and not at all for another target of an account it names", () => {
        const withAccounts = (...accountIds: string[]) => bytes(keyPolicy({ ...grantees, accountIds }));
        assert.equal(withAccounts(targetAccountId, productionAccountId) - withAccounts(targetAccountId), `,"arn:aws:iam::${productionAccountId}:root"`.length);
        assert.equal(bytes(keyPolicy(artifactGrantees({ ...pipeline, targets: [...targets, target("StagingTwo", targetAccountId)] }, region))), bytes(keyPolicy()));
    });

    it("with an organization, also requires aws:PrincipalOrgID of the target roles", () => {
        const grant = bySid(statementsOf(keyPolicy({ ...grantees, organizationId: "o-a1b2c3d4e5" })), "AllowTargetRolesToDecrypt");
        assert.deepEqual(grant.Condition, { ArnLike: { "aws:PrincipalArn": [rolesUnder("deploy"), rolesUnder("instance")] }, StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } });
        assert.deepEqual(awsPrincipals(grant), roots(targetAccountId, productionAccountId), "the organization narrows the accounts, it does not replace them");
    });

    it("grants no one outside the pipeline and target accounts, and allows no wildcard principal", () => {
        const allowed = statements.filter((s) => s.Effect === "Allow").flatMap(awsPrincipals);
        assert.ok(!allowed.includes("*"));
        assert.deepEqual([...new Set(allowed)].sort(), roots(pipelineAccountId, targetAccountId, productionAccountId));
    });

    it("lets the pipeline account's pipeline and build roles use the key", () => {
        const grant = bySid(statements, "AllowPipelineRolesToUseTheKey");
        assert.deepEqual(principalArnCondition(grant), [pipelineRoleArn, buildRoleArn]);
        assert.ok(grant.Action.includes("kms:GenerateDataKey*") && grant.Action.includes("kms:Decrypt"));
    });

    it("has no target statements for a store no target uses", () => {
        assert.deepEqual(statementsOf(keyPolicy({ ...grantees, accountIds: [], producerAccountIds: [] })).map((s) => s.Sid), ["EnableAccountAdministration", "AllowPipelineRolesToUseTheKey"]);
    });
});

describe("artifact bucket policy", () => {
    const otherKey = `arn:aws:kms:${region}:${pipelineAccountId}:alias/pipeline-key`;
    const bucketPolicy = (g = grantees) => artifactBucketPolicy({ partition, bucketName, allowedKeyIds: [keyArn, otherKey, keyArn], grantees: g });
    const statements = statementsOf(bucketPolicy());
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

    it("denies uploads that name another key than the artifact key, or none (S3 would use aws/s3), listing each allowed id once", () => {
        const { statement, value } = denyOn("StringNotEquals", "s3:x-amz-server-side-encryption-aws-kms-key-id");
        assert.equal(statement.Sid, "DenyUploadsWithoutTheArtifactKey");
        assert.deepEqual(value, [keyArn, otherKey]);
        assert.deepEqual(statement.Action, ["s3:PutObject"]);
        // StringNotEquals holds for a key the request does not carry: no Null or IfExists may exempt an upload naming none.
        assert.deepEqual(Object.keys(statement.Condition!), ["StringNotEquals"]);
    });

    it("allows only fixed account principals, which S3 Block Public Access does not count as public", () => {
        const allows = statements.filter((s) => s.Effect === "Allow");
        assert.ok(allows.length > 0);
        for (const grant of allows) {
            assert.ok(awsPrincipals(grant).every((p) => /^arn:aws:iam::\d{12}:root$/.test(p)), `${grant.Sid}: ${awsPrincipals(grant).join(", ")}`);
        }
    });

    it("grants every target account in one statement, narrowed to this pipeline's deploy and instance roles: read and list, nothing that writes", () => {
        const grant = bySid(statements, "AllowTargetRolesToReadArtifacts");
        assert.deepEqual(awsPrincipals(grant), roots(targetAccountId, productionAccountId));
        assert.deepEqual(grant.Condition, { ArnLike: { "aws:PrincipalArn": [rolesUnder("deploy"), rolesUnder("instance")] } });
        assert.deepEqual([...grant.Action].sort(), ["s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]);
        assert.deepEqual(grant.Resource, [bucketArn, objectsArn]);
        assert.equal(statements.filter((s) => s.Effect === "Allow").length, 1);
    });

    it("keeps the deploy and instance roles, of any account, from changing any artifact by an explicit deny, whatever their account grants them", () => {
        const deny = bySid(statements, "DenyReadingRolesToChangeArtifacts");
        assert.equal(deny.Principal, "*");
        assert.deepEqual(deny.Condition, { ArnLike: { "aws:PrincipalArn": [rolesUnder("deploy"), rolesUnder("instance")] } });
        assert.deepEqual(deny.Action, ["s3:PutObject*", "s3:DeleteObject*", "s3:Replicate*", "s3:RestoreObject"]);
        assert.deepEqual(deny.Resource, [objectsArn]);
    });

    it("lets only the producer roles of the accounts that produce artifacts write, under their own path", () => {
        const withProducer = statementsOf(bucketPolicy({ ...grantees, producerAccountIds: [productionAccountId] }));
        const grant = bySid(withProducer, "AllowProducerRolesToWriteArtifacts");
        assert.deepEqual(awsPrincipals(grant), roots(productionAccountId));
        assert.deepEqual(grant.Condition, { ArnLike: { "aws:PrincipalArn": [rolesUnder("producer")] } });
        assert.ok(grant.Action.includes("s3:PutObject") && !grant.Action.some((a) => a.startsWith("s3:Delete")), grant.Action.join(", "));
        assert.ok(!principalArnPatterns(bySid(withProducer, "DenyReadingRolesToChangeArtifacts")).includes(rolesUnder("producer")));
    });

    it("grows by one account root per target account: 20 KB holds the 498 target accounts one pipeline can deploy to", () => {
        const withAccounts = (n: number) => bytes(bucketPolicy({ ...grantees, accountIds: Array.from({ length: n }, (_, i) => String(200000000000 + i)) }));
        assert.equal(withAccounts(2) - withAccounts(1), `,"arn:aws:iam::200000000001:root"`.length);
        assert.ok(withAccounts(498) < 20 * 1024, `${withAccounts(498)} bytes for 498 accounts`);
    });

    it("has only the guards for a bucket no target uses (the source bucket)", () => {
        const guards = ["DenyInsecureConnections", "DenyOutdatedTls", "DenyUnEncryptedObjectUploads", "DenyUploadsWithoutTheArtifactKey"];
        assert.deepEqual(statementsOf(artifactBucketPolicy({ partition, bucketName, allowedKeyIds: [keyArn] })).map((s) => s.Sid), guards);
        assert.deepEqual(statementsOf(bucketPolicy({ ...grantees, accountIds: [] })).map((s) => s.Sid), guards);
    });
});

describe("service roles: trusted by their service, with the confused-deputy keys that service documents sending", () => {
    it("the pipeline role: by CodePipeline, in its documented form, without a condition on keys CodePipeline does not document", () => {
        const statements = statementsOf(pipelineRoleTrustPolicy());
        assert.deepEqual(statements, [{ Sid: "AllowServiceToAssumeRole", Effect: "Allow", Principal: { Service: "codepipeline.amazonaws.com" }, Action: ["sts:AssumeRole"], Resource: [] }]);
    });

    const services = [
        { role: "the build role: by CodeBuild for this account's build project only", trust: buildRoleTrustPolicy(partition, region, pipelineAccountId, pipelineName),
            service: "codebuild.amazonaws.com", account: pipelineAccountId, sourceArn: `arn:aws:codebuild:${region}:${pipelineAccountId}:project/Pipe-Build` },
        { role: "the source trigger role: by EventBridge for this account's source-changed rule on the default bus only", trust: sourceTriggerTrustPolicy(partition, region, pipelineAccountId, pipelineName),
            service: "events.amazonaws.com", account: pipelineAccountId, sourceArn: `arn:aws:events:${region}:${pipelineAccountId}:rule/Pipe-SourceChanged` },
        { role: "the CodeDeploy role: by CodeDeploy for the target's deployment group only", trust: codeDeployServiceRoleTrustPolicy(partition, region, targetAccountId, "App", "Group"),
            service: "codedeploy.amazonaws.com", account: targetAccountId, sourceArn: `arn:aws:codedeploy:${region}:${targetAccountId}:deploymentgroup:App/Group` },
    ];
    for (const { role, trust, service, account, sourceArn } of services) {
        it(role, () => {
            const [statement] = statementsOf(trust);
            assert.deepEqual(statement.Principal, { Service: service });
            assert.deepEqual(statement.Condition, { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": sourceArn } });
        });
    }
});

/** The S3 statements of a document, each with the buckets' owner it names (aws:ResourceAccount), if any. */
const s3Statements = (statements: Statement[]) => statements.filter((st) => st.Action.some((a) => a.startsWith("s3:")))
    .map((st) => ({ sid: st.Sid, owner: st.Condition?.StringEquals?.["aws:ResourceAccount"] }));

describe("pipeline role", () => {
    const actionRoles = {
        deploy: { arnPattern: rolesUnder("deploy"), accountIds: [targetAccountId, productionAccountId] },
        producer: { arnPattern: rolesUnder("producer"), accountIds: [] as string[] },
    };
    const args = (roles = actionRoles) => ({
        partition, region, pipelineAccountId, pipelineName, artifactStores: [{ bucketName, keyArn }], source: { bucketName: "pipe-source" }, actionRoles: roles,
    });
    const policy = (roles = actionRoles) => statementsOf(pipelineRolePolicy(args(roles)));
    const assuming = (statements: Statement[]) => statements.filter((s) => s.Action.some((a) => a.startsWith("sts:")));

    it("may assume only this pipeline's deploy roles, and only in its target accounts (aws:ResourceAccount)", () => {
        const [deploy, ...others] = assuming(policy());
        assert.deepEqual(others, []);
        assert.deepEqual(deploy.Action, ["sts:AssumeRole"]);
        assert.deepEqual(deploy.Resource, [`arn:aws:iam::*:role/cross-account-pipeline/${pipelineAccountId}/Pipe/deploy/*`]);
        assert.deepEqual(deploy.Condition, { StringEquals: { "aws:ResourceAccount": [targetAccountId, productionAccountId] } });
    });

    it("may assume the producer roles only in the accounts that have one", () => {
        const statements = assuming(policy({ ...actionRoles, producer: { ...actionRoles.producer, accountIds: [productionAccountId] } }));
        const producer = bySid(statements, "AssumeTargetProducerRoles");
        assert.deepEqual(producer.Resource, [`arn:aws:iam::*:role/cross-account-pipeline/${pipelineAccountId}/Pipe/producer/*`]);
        assert.deepEqual(producer.Condition, { StringEquals: { "aws:ResourceAccount": [productionAccountId] } });
    });

    it("has on its buckets exactly what AWS documents for the service role and the S3 source action, each statement naming the buckets' owner", () => {
        const statements = policy();
        const actionsOf = (sid: string) => [...bySid(statements, sid).Action].sort();
        assert.deepEqual(actionsOf("AccessArtifactBuckets"), ["s3:GetBucketAcl", "s3:GetBucketLocation", "s3:GetBucketVersioning"]);
        assert.deepEqual(bySid(statements, "AccessArtifactBuckets").Resource, [bucketArn]);
        // With an S3 source, the tagging actions AWS documents for source objects that carry tags.
        assert.deepEqual(actionsOf("ReadAndWriteArtifacts"), [
            "s3:GetObject", "s3:GetObjectTagging", "s3:GetObjectVersion", "s3:GetObjectVersionTagging", "s3:PutObject", "s3:PutObjectAcl", "s3:PutObjectTagging",
        ]);
        const connection = statementsOf(pipelineRolePolicy({ ...args(), source: { connectionArn: `arn:aws:codeconnections:${region}:${pipelineAccountId}:connection/abcd-1234` } }));
        assert.deepEqual([...bySid(connection, "ReadAndWriteArtifacts").Action].sort(), ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl"]);
        assert.deepEqual(bySid(statements, "ReadAndWriteArtifacts").Resource, [objectsArn]);
        assert.deepEqual(actionsOf("ReadSourceBundle"), [
            "s3:GetBucketAcl", "s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:GetObject", "s3:GetObjectTagging", "s3:GetObjectVersion", "s3:GetObjectVersionTagging",
        ]);
        assert.ok(!allActions(statements).some((a) => a === "s3:ListBucket" || a.startsWith("s3:Delete")), allActions(statements).join(", "));
        assert.deepEqual(s3Statements(statements), ["AccessArtifactBuckets", "ReadAndWriteArtifacts", "ReadSourceBundle"].map((sid) => ({ sid, owner: pipelineAccountId })));
    });

    it("grows by an account id per target account", () => {
        const size = (accountIds: string[]) => JSON.stringify(pipelineRolePolicy(args({ ...actionRoles, deploy: { ...actionRoles.deploy, accountIds } }))).length;
        assert.equal(size([targetAccountId, productionAccountId]) - size([targetAccountId]), `,"${productionAccountId}"`.length);
    });

    it("fits IAM's 10,240 characters for the largest pipeline: 498 target accounts, a store in each of three regions", () => {
        const stores = ["us-east-2", "us-west-2", "eu-west-1"].map((r) => ({ bucketName: `crossaccountpipeline-${pipelineAccountId}-${r}-artifacts`, keyArn: keyArn.replace(region, r) }));
        const accountIds = Array.from({ length: 498 }, (_, i) => String(200000000000 + i));
        const document = JSON.stringify(pipelineRolePolicy({ ...args({ ...actionRoles, deploy: { ...actionRoles.deploy, accountIds } }), artifactStores: stores }));
        assert.ok(document.replace(/\s/g, "").length < 10240, `${document.length} characters`);
    });

    it("may assume no role at all without target accounts", () => {
        assert.deepEqual(assuming(policy({ ...actionRoles, deploy: { ...actionRoles.deploy, accountIds: [] } })), []);
    });

    it("names no wildcard resource", () => {
        const resources = allResources(policy());
        assert.ok(!resources.some((r) => r === "*" || r.endsWith(":role/*")), resources.join("\n"));
    });

    it("uses the artifact key by ARN, and a CodeStar connection instead of a source bucket when configured", () => {
        const connectionArn = `arn:aws:codestar-connections:${region}:${pipelineAccountId}:connection/abcd-1234`;
        const statements = statementsOf(pipelineRolePolicy({ ...args(), source: { connectionArn } }));
        assert.deepEqual(bySid(statements, "UseArtifactKeys").Resource, [keyArn]);
        assert.deepEqual(bySid(statements, "UseSourceConnection").Resource, [connectionArn]);
        assert.ok(!statements.some((s) => s.Sid === "ReadSourceBundle"));
    });
});

describe("build role policy", () => {
    const statements = statementsOf(buildRolePolicy({ partition, region, pipelineAccountId, pipelineName, artifactBucketName: bucketName, artifactKeyArn: keyArn }));

    it("reaches only its own log group, the artifact bucket and the artifact key", () => {
        assert.deepEqual([...new Set(allResources(statements))].sort(), [
            `arn:aws:logs:${region}:${pipelineAccountId}:log-group:/cross-account-pipeline/Pipe/build`,
            `arn:aws:logs:${region}:${pipelineAccountId}:log-group:/cross-account-pipeline/Pipe/build:*`, bucketArn, objectsArn, keyArn,
        ].sort());
    });

    it("names the buckets' owner in every S3 statement", () => {
        assert.deepEqual(s3Statements(statements).map((s) => s.owner), [pipelineAccountId, pipelineAccountId]);
    });

    it("writes its streams into the log group the program declares, and creates no log group", () => {
        assert.deepEqual(bySid(statements, "WriteBuildLogs").Action, ["logs:CreateLogStream", "logs:PutLogEvents"]);
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
        deploymentConfigName: "CodeDeployDefault.OneAtATime", pipelineAccountId, artifactBucketName: bucketName, artifactKeyArn: keyArn,
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

    it("reads the artifacts and decrypts them, and nothing that writes: a CodeDeploy action has no output artifacts", () => {
        assert.deepEqual(resourcesOf("s3:GetObject"), [objectsArn]);
        assert.deepEqual(resourcesOf("kms:Decrypt"), [keyArn]);
        assert.deepEqual(allActions(statements).filter((a) => /^s3:(Put|Delete)|^kms:(Encrypt|ReEncrypt|GenerateDataKey)/.test(a)), []);
    });

    it("names the buckets' owner, the pipeline account, in every S3 statement", () => {
        assert.deepEqual(s3Statements(statements).map((s) => s.owner), [pipelineAccountId, pipelineAccountId]);
    });
});

describe("instance role", () => {
    it("is trusted by EC2", () => {
        const [trust] = statementsOf(instanceRoleTrustPolicy());
        assert.deepEqual(trust.Principal, { Service: "ec2.amazonaws.com" });
        assert.deepEqual(trust.Action, ["sts:AssumeRole"]);
    });

    it("may only read the artifacts and decrypt them with the artifact key", () => {
        const statements = statementsOf(instanceRolePolicy({ partition, pipelineAccountId, artifactBucketName: bucketName, artifactKeyArn: keyArn }));
        assert.ok(statements.every((s) => s.Effect === "Allow"));
        assert.deepEqual(s3Statements(statements).map((s) => s.owner), [pipelineAccountId, pipelineAccountId]);
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

describe("producer role", () => {
    const statements = statementsOf(producerRolePolicy({ partition, pipelineAccountId, artifactBucketName: bucketName, artifactKeyArn: keyArn }));

    it("reads and writes the artifacts of its store with the artifact key, and deletes nothing", () => {
        const grants = statements.flatMap((s) => s.Action.map((action) => `${action} ${s.Resource.join(",")}`)).sort();
        assert.deepEqual(grants.filter((g) => g.startsWith("s3:")), [
            `s3:GetBucketLocation ${bucketArn}`, `s3:GetObject ${objectsArn}`, `s3:GetObjectVersion ${objectsArn}`, `s3:ListBucket ${bucketArn}`,
            `s3:PutObject ${objectsArn}`, `s3:PutObjectAcl ${objectsArn}`,
        ]);
        assert.deepEqual(grants.filter((g) => g.startsWith("kms:")), [`kms:Decrypt ${keyArn}`, `kms:DescribeKey ${keyArn}`, `kms:GenerateDataKey* ${keyArn}`]);
    });

    it("names the buckets' owner in every S3 statement", () => {
        assert.deepEqual(s3Statements(statements).map((s) => s.owner), [pipelineAccountId, pipelineAccountId]);
    });
});
