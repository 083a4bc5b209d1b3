import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createValidatedPolicy, loadPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { PolicyDocument } from "../policies/document";
import { AccessCheck, evaluateCheck } from "../verification/evaluation";

// patches/: what `npm ci` changes in the IAM evaluator (patch-package) so that a policy is parsed once and
// what depends only on a policy's text is worked out once, not on every request. Here: that the patches
// are in place, and that what depends on the request is still worked out per request.

/** A file of an installed package, below the folder of its main module (dist/cjs). */
function packageFile(pkg: string, file: string): string {
    return fs.readFileSync(path.join(path.dirname(require.resolve(pkg)), file), "utf8");
}

/** A bucket policy that lets `principals` get the objects `resource` matches. */
const bucketPolicy = (principals: string | string[], resource: string): PolicyDocument => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: principals }, Action: "s3:GetObject", Resource: resource }],
});

function getObject(principal: string, resource: string, policy: PolicyDocument): AccessCheck {
    return {
        hop: "a test", principal, action: "s3:GetObject", resource, resourceAccount: "111111111111", context: {}, expect: "allowed",
        identityPolicies: [{ name: "reader", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] } }],
        resourcePolicy: { kind: "bucket policy", policy },
    };
}

describe("the IAM evaluator as patched at install (patches/)", () => {
    it("is installed with the patches applied", () => {
        for (const [pkg, file] of [
            ["@cloud-copilot/iam-policy", "statements/statement.js"],
            ["@cloud-copilot/iam-policy", "parser.js"],
            ["@cloud-copilot/iam-simulate", "condition/condition.js"],
            ["@cloud-copilot/iam-simulate", "core_engine/CoreSimulatorEngine.js"],
            ["@cloud-copilot/iam-simulate", "resource/resource.js"],
            ["@cloud-copilot/iam-simulate", "simulation_engine/resourceTypes.js"],
            ["@cloud-copilot/iam-simulate", "simulation_engine/simulationEngine.js"],
            ["@cloud-copilot/iam-simulate", "util.js"],
        ]) {
            assert.match(packageFile(pkg, file), /cross-account-pipeline's patch/, `${pkg} ${file}: run npm ci, which applies patches/`);
        }
    });

    it("loads a validated policy once per name and parses each statement's elements once", () => {
        const validated = createValidatedPolicy(bucketPolicy(["arn:aws:iam::222222222222:root", "333333333333"], "*"), validateResourcePolicy);
        const loaded = loadPolicy(validated, { name: "bucket" });
        assert.equal(loadPolicy(validated, { name: "bucket" }), loaded);
        assert.notEqual(loadPolicy(validated, { name: "another" }), loaded, "a policy's name is part of what is loaded");
        const [statement] = loaded.statements();
        assert.equal(loaded.statements()[0], statement);
        // Each element through its own narrowing: the statement is all three.
        const [withPrincipals, withActions, withResources] = [statement, statement, statement];
        assert.ok(withPrincipals.isPrincipalStatement() && withActions.isActionStatement() && withResources.isResourceStatement());
        assert.equal(withPrincipals.principals(), withPrincipals.principals());
        assert.deepEqual(withPrincipals.principals().map((p) => [p.value(), p.isAccountPrincipal()]), [["arn:aws:iam::222222222222:root", true], ["333333333333", true]]);
        assert.equal(withActions.actions(), withActions.actions());
        assert.equal(withResources.resources(), withResources.resources());
    });

    it("resolves a policy variable for each request, and a principal's account for each principal", async () => {
        // The same document object in every check, as the plan hands it: its statements are parsed once.
        const perAccount = bucketPolicy(["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"], "arn:aws:s3:::artifacts/${aws:PrincipalAccount}/*");
        const verdict = async (principal: string, resource: string) => (await evaluateCheck(getObject(principal, resource, perAccount))).result;
        const role = (account: string) => `arn:aws:iam::${account}:role/reader`;
        for (let round = 0; round < 2; round++) {
            assert.equal(await verdict(role("222222222222"), "arn:aws:s3:::artifacts/222222222222/app.zip"), "Allowed");
            assert.equal(await verdict(role("333333333333"), "arn:aws:s3:::artifacts/222222222222/app.zip"), "ImplicitlyDenied", "another account's folder");
            assert.equal(await verdict(role("333333333333"), "arn:aws:s3:::artifacts/333333333333/app.zip"), "Allowed");
            assert.equal(await verdict(role("444444444444"), "arn:aws:s3:::artifacts/444444444444/app.zip"), "ImplicitlyDenied", "an account the policy does not name");
        }
    });

    it("matches a resource against the action's resource types for each resource", async () => {
        const objects = bucketPolicy("arn:aws:iam::222222222222:root", "arn:aws:s3:::artifacts/*");
        const reader = "arn:aws:iam::222222222222:role/reader";
        assert.equal((await evaluateCheck(getObject(reader, "arn:aws:s3:::artifacts/app.zip", objects))).result, "Allowed");
        assert.equal((await evaluateCheck(getObject(reader, "arn:aws:s3:::other/app.zip", objects))).result, "ImplicitlyDenied");
        const bucketOnly = await evaluateCheck(getObject(reader, "arn:aws:s3:::artifacts", objects));
        assert.equal(bucketOnly.result, "EvaluationError", "s3:GetObject has no resource type for a bucket: the evaluator refuses the request, each time");
        assert.equal((await evaluateCheck(getObject(reader, "arn:aws:s3:::artifacts", objects))).result, "EvaluationError");
    });

    it("takes the context keys each request may carry from its own action", async () => {
        // A key that s3:PutObject may carry and s3:GetObject may not: the evaluator leaves it out of a GetObject
        // request, so the deny that requires it applies, though a PutObject on the same object came first.
        const encryptedOnly: PolicyDocument = {
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:root" }, Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::artifacts/*" },
                { Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*", Resource: "arn:aws:s3:::artifacts/*", Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } } },
            ],
        };
        const request = (action: string): AccessCheck => ({
            ...getObject("arn:aws:iam::222222222222:role/writer", "arn:aws:s3:::artifacts/app.zip", encryptedOnly),
            action, context: { "s3:x-amz-server-side-encryption": "aws:kms" },
            identityPolicies: [{ name: "writer", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "*" }] } }],
        });
        for (let round = 0; round < 2; round++) {
            assert.equal((await evaluateCheck(request("s3:PutObject"))).result, "Allowed");
            assert.equal((await evaluateCheck(request("s3:GetObject"))).result, "ExplicitlyDenied");
        }
    });

    it("decides by the conditions of the statements whose action and resource match, and only those", async () => {
        // Each statement's condition holds for the request: only the action or the resource decides whether it applies.
        const denies = (action: string, resource: string): PolicyDocument => ({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Principal: { AWS: "arn:aws:iam::222222222222:root" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::artifacts/*" },
                { Effect: "Deny", Principal: { AWS: "*" }, Action: action, Resource: resource, Condition: { StringEquals: { "aws:PrincipalAccount": ["111111111111", "222222222222"] } } },
            ],
        });
        const verdict = async (policy: PolicyDocument) => (await evaluateCheck(getObject("arn:aws:iam::222222222222:role/reader", "arn:aws:s3:::artifacts/app.zip", policy))).result;
        assert.equal(await verdict(denies("s3:GetObject", "arn:aws:s3:::artifacts/*")), "ExplicitlyDenied");
        assert.equal(await verdict(denies("s3:PutObject", "arn:aws:s3:::artifacts/*")), "Allowed", "another action");
        assert.equal(await verdict(denies("s3:GetObject", "arn:aws:s3:::other/*")), "Allowed", "another resource");
    });

    it("matches a condition of many plain values and one policy variable: the values as written, the variable per request", async () => {
        // As the pipeline role's condition lists every target account: here 200 plain ones, and the resource's account;
        // the bucket lets anyone read, so that the identity policy's condition decides.
        const accounts = Array.from({ length: 200 }, (_, i) => String(500000000000 + i));
        const reader: PolicyDocument = {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { "aws:PrincipalAccount": [...accounts, "${aws:ResourceAccount}"] } } }],
        };
        const verdict = async (account: string, resourceAccount = "111111111111") => (await evaluateCheck({
            ...getObject(`arn:aws:iam::${account}:role/reader`, "arn:aws:s3:::artifacts/app.zip", bucketPolicy("*", "arn:aws:s3:::artifacts/*")),
            resourceAccount, identityPolicies: [{ name: "reader", policy: reader }],
        })).result;
        for (let round = 0; round < 2; round++) {
            assert.equal(await verdict("500000000000"), "Allowed", "the first value");
            assert.equal(await verdict("500000000199"), "Allowed", "the last plain value");
            assert.equal(await verdict("500000000200"), "ImplicitlyDenied", "an account the values do not list");
            assert.equal(await verdict("222222222222", "222222222222"), "Allowed", "the variable, resolved for this request");
            assert.equal(await verdict("222222222222", "333333333333"), "ImplicitlyDenied", "the variable, resolved for another request");
        }
    });

    it("reads an ARN of fewer than 6 segments as a short one, and one of 6 as whole (colons counted, not split)", async () => {
        // In an identity policy a short ARN is padded with wildcards; a whole one is matched as written.
        const reader = "arn:aws:iam::111111111111:role/reader";
        const verdict = async (resource: string) => (await evaluateCheck({
            ...getObject(reader, "arn:aws:s3:::artifacts/app.zip", bucketPolicy("arn:aws:iam::999999999999:root", "arn:aws:s3:::none/*")),
            identityPolicies: [{ name: "reader", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: resource }] } }],
        })).result;
        assert.equal(await verdict("arn:aws:s3::"), "Allowed", "5 segments: short, padded with wildcards");
        assert.equal(await verdict("arn:aws:s3:::"), "ImplicitlyDenied", "6 segments: whole, names no object");
        assert.equal(await verdict("arn:aws:s3:::artifacts/*"), "Allowed");
    });
});
