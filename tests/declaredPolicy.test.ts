import * as assert from "node:assert/strict";
import { DeclaredResource, declaredPolicy } from "../evaluation/mockCloud";

const role = (assumeRolePolicy: unknown): DeclaredResource => ({ type: "aws:iam/role:Role", name: "r", id: "r", inputs: { assumeRolePolicy }, state: {}, custom: true });
const trust = (service: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });

describe("a declared resource's policy input (declaredPolicy)", () => {
    it("is parsed once: every reader gets the same document while the text stays the same", () => {
        const resource = role(trust("codedeploy.amazonaws.com"));
        const first = declaredPolicy(resource, "assumeRolePolicy");
        assert.deepEqual(first?.Statement, [{ Effect: "Allow", Principal: { Service: "codedeploy.amazonaws.com" }, Action: "sts:AssumeRole" }]);
        assert.equal(declaredPolicy(resource, "assumeRolePolicy"), first);
    });

    it("is parsed again when the text changes", () => {
        const resource = role(trust("codedeploy.amazonaws.com"));
        const before = declaredPolicy(resource, "assumeRolePolicy");
        resource.inputs.assumeRolePolicy = trust("codepipeline.amazonaws.com");
        const after = declaredPolicy(resource, "assumeRolePolicy");
        assert.notEqual(after, before);
        assert.deepEqual(after?.Statement, [{ Effect: "Allow", Principal: { Service: "codepipeline.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    });

    it("is undefined for an input that holds no policy text", () => {
        assert.equal(declaredPolicy(role(undefined), "assumeRolePolicy"), undefined);
        assert.equal(declaredPolicy(role(""), "assumeRolePolicy"), undefined);
        assert.equal(declaredPolicy(role(trust("x")), "policy"), undefined, "another input");
    });
});
