import * as assert from "node:assert/strict";
import { artifactStoreEncryptionRule as rule } from "../../policy-pack/rules/artifactStoreEncryption";
import { RuleResource } from "../../policy-pack/rules";
import { pipelineAccountId } from "../fixtures";
import { assertViolation, declaredNames, DeclaredStacks, declaredStacks, itPassesOnTheShippedStacks, onlyViolation, types, withChange } from "./declaredStacks";
import type { PropertyBag } from "../../evaluation/propertyBag";

describe("policy rule artifact-store-encryption", () => {
    let stacks: DeclaredStacks;
    before(async () => { stacks = await declaredStacks(); });

    itPassesOnTheShippedStacks(rule, () => stacks);

    const withStoreKey = (change: (store: PropertyBag) => void, resources = stacks.accountA) =>
        withChange(resources, types.pipeline, declaredNames.pipeline, (pipeline) => change(pipeline.props.artifactStores[0]));
    const expected = { type: types.pipeline, name: declaredNames.pipeline, fix: /set its encryptionKey to \{id: "<key ARN or alias ARN of a customer managed key>", type: "KMS"\}/ };

    it("reports a store of a cross-account pipeline without encryptionKey, which falls back to aws/s3", () => {
        const resources = withStoreKey((store) => { delete store.encryptionKey; });
        assertViolation(onlyViolation(rule, resources), { ...expected, problem: /artifact store 1 \(bucket "crossaccountpipeline-111111111111-us-east-2-artifacts"\) has no encryptionKey.*aws\/s3/ });
    });

    it("reports a key named by bare alias, which another account cannot resolve", () => {
        const resources = withStoreKey((store) => { store.encryptionKey.id = "alias/CrossAccountPipeline-Key"; });
        assertViolation(onlyViolation(rule, resources), { ...expected, problem: /names its key as "alias\/CrossAccountPipeline-Key", which another account cannot resolve/ });
    });

    it("reports a key named by key id alone", () => {
        const resources = withStoreKey((store) => { store.encryptionKey.id = store.encryptionKey.id.split("/").pop(); });
        assertViolation(onlyViolation(rule, resources), { ...expected, problem: /names its key as "[0-9a-f-]{36}", which another account cannot resolve/ });
    });

    it("reports the AWS managed key named by its alias ARN", () => {
        const resources = withStoreKey((store) => { store.encryptionKey.id = `arn:aws:kms:us-east-2:${pipelineAccountId}:alias/aws/s3`; });
        assertViolation(onlyViolation(rule, resources), { ...expected, problem: /uses the AWS managed key arn:aws:kms:us-east-2:111111111111:alias\/aws\/s3/ });
    });

    it("accepts a customer managed key named by alias ARN", () => {
        const aliasArn = (resources: RuleResource[]) => resources.find((r) => r.name === declaredNames.artifactKeyAlias)!.props.arn;
        const resources = withStoreKey((store) => { store.encryptionKey.id = aliasArn(stacks.all); }, stacks.all);
        assert.deepEqual(rule.check(resources), []);
    });

    it("leaves a pipeline without cross-account actions alone", () => {
        const resources = withChange(stacks.accountA, types.pipeline, declaredNames.pipeline, (pipeline) => {
            delete pipeline.props.artifactStores[0].encryptionKey;
            for (const stage of pipeline.props.stages) {
                for (const action of stage.actions) {
                    delete action.roleArn;
                }
            }
        });
        assert.deepEqual(rule.check(resources), []);
    });
});
