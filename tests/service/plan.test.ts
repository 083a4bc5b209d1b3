// POST /v1/plan over loopback: the token, the plan of the shipped files, and every kind of bad request.
import { strict as assert } from "assert";
import { REDACTED } from "../../service/redact";
import { PLAN_BODY_LIMIT } from "../../service/schemas";
import { shippedFiles, withService } from "./serviceFixture";

describe("the service: authentication", () => {
    it("answers /healthz without a token, and 401 on every /v1 route without it, with a wrong one or another scheme", () =>
        withService({}, async (service) => {
            assert.deepEqual((await service.request("GET", "/healthz", { token: null })).json, { ok: true });
            const routes: [string, string, unknown?][] = [
                ["POST", "/v1/plan", { files: shippedFiles() }],
                ["POST", "/v1/runs", { operation: "preview" }],
                ["GET", "/v1/runs/00000000-0000-0000-0000-000000000000"],
                ["GET", "/v1/runs/00000000-0000-0000-0000-000000000000/events"],
                ["POST", "/v1/runs/00000000-0000-0000-0000-000000000000/confirm", {}],
                ["DELETE", "/v1/runs/00000000-0000-0000-0000-000000000000"],
            ];
            for (const [method, route, body] of routes) {
                const wrong = `${service.token.slice(0, -1)}${service.token.endsWith("0") ? "1" : "0"}`;
                const schemes: Record<string, string>[] = [{}, { authorization: `Bearer ${wrong}` }, { authorization: `Basic ${Buffer.from(`u:${service.token}`).toString("base64")}` }, { authorization: `Bearer ${service.token}x` }];
                for (const headers of schemes) {
                    const answer = await service.request(method, route, { token: null, headers, body });
                    assert.equal(answer.status, 401, `${method} ${route} with ${JSON.stringify(headers)}: ${answer.text}`);
                    assert.match(answer.json.error, /^unauthorized: send Authorization: Bearer <token>/);
                }
            }
            assert.equal((await service.request("GET", "/v1/runs/00000000-0000-0000-0000-000000000000")).status, 404, "the right token gets through");
            assert.ok(!service.logs().includes(service.token), "the token is never logged");
        }));
});

describe("the service: POST /v1/plan", () => {
    it("plans the shipped Pulumi.yaml, Pulumi.accountA.yaml and Pulumi.accountB.yaml: 200, ok, PLAN OK, the checks and the summary", () =>
        withService({}, async (service) => {
            const answer = await service.request("POST", "/v1/plan", { body: { files: shippedFiles() } });
            assert.equal(answer.status, 200, answer.text);
            assert.equal(answer.json.ok, true);
            assert.match(answer.json.verdict, /^PLAN OK: 2 stacks, \d+ resources, .* passed in [\d.]+ s$/);
            assert.equal(answer.json.checks.ok, true);
            assert.deepEqual(answer.json.checks.deploymentOrder, ["accountB", "accountA"]);
            assert.match(answer.json.summary, /PLAN OK/);
            assert.match(answer.json.summary, /```mermaid/);
            assert.doesNotMatch(answer.text, /pipeline-plan-|\/tmp\//, "the scratch folder does not show");
        }));

    it("answers 200 with ok false when the plan does not hold: a pipeline stack planned without the target stack it reads", () =>
        withService({}, async (service) => {
            const { "Pulumi.accountB.yaml": _target, ...files } = shippedFiles();
            const answer = await service.request("POST", "/v1/plan", { body: { files } });
            assert.equal(answer.status, 200, answer.text);
            assert.equal(answer.json.ok, false);
            assert.match(answer.json.verdict, /^PLAN FAILED/);
            assert.match(JSON.stringify(answer.json.checks.stackErrors), /not among the planned target stacks/);
        }));

    it("answers 400 for a body that is not JSON, and for JSON of the wrong shape, listing every problem", () =>
        withService({}, async (service) => {
            const malformed = await service.request("POST", "/v1/plan", { raw: '{"files": {"Pulumi.yaml": "name: x"' });
            assert.equal(malformed.status, 400);
            assert.deepEqual(malformed.json, { error: "the body is not valid JSON; expected a JSON object" });

            const wrong = await service.request("POST", "/v1/plan", { body: { files: { "Pulumi.yaml": 3, "../etc/passwd": "x" }, extra: true } });
            assert.equal(wrong.status, 400);
            assert.equal(wrong.json.error, "the request's body is not as expected");
            assert.deepEqual(wrong.json.problems, [
                'body (key "extra") must NOT have additional properties; expected {"files": {"Pulumi.yaml": "...", "Pulumi.<stack>.yaml": "...", ...}}',
                'body.files (key "../etc/passwd") must match pattern "^Pulumi(\\.[A-Za-z0-9][A-Za-z0-9_.-]*)?\\.yaml$"; expected Pulumi.yaml or Pulumi.<stack>.yaml, <stack> of letters, digits, -, _ and .',
                'body.files["Pulumi.yaml"] must be string; expected the file\'s text',
            ]);

            const onlyProject = await service.request("POST", "/v1/plan", { body: { files: { "Pulumi.yaml": "name: x\n" } } });
            assert.equal(onlyProject.status, 400);
            assert.deepEqual(onlyProject.json.problems, ["body.files must NOT have fewer than 2 properties; expected the text of Pulumi.yaml and of at least one stack file Pulumi.<stack>.yaml, by file name"]);

            const notJson = await service.request("POST", "/v1/plan", { raw: "files=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
            assert.equal(notJson.status, 415);
            assert.match(notJson.json.error, /expected Content-Type: application\/json/);
        }));

    it("answers 413 for a body over its documented limit (4 MiB), and for a 20 MB body", () =>
        withService({}, async (service) => {
            const withoutPadding = JSON.stringify({ files: { ...shippedFiles(), "Pulumi.padding.yaml": "" } }).length;
            const atTheLimit = await service.request("POST", "/v1/plan", { raw: JSON.stringify({ files: { ...shippedFiles(), "Pulumi.padding.yaml": "x".repeat(PLAN_BODY_LIMIT - withoutPadding) } }) });
            assert.equal(atTheLimit.status, 422, "a body of exactly the limit is read (and its padding refused as no stack file)");
            const justOver = "x".repeat(PLAN_BODY_LIMIT - withoutPadding + 1);
            const over = await service.request("POST", "/v1/plan", { raw: JSON.stringify({ files: { ...shippedFiles(), "Pulumi.padding.yaml": justOver } }) });
            assert.equal(over.status, 413, over.text);
            assert.deepEqual(over.json, { error: "the body is larger than this route takes, 4194304 bytes" });
            const huge = await service.request("POST", "/v1/plan", { raw: Buffer.alloc(20 * 1000 * 1000, "a") });
            assert.equal(huge.status, 413);
        }));

    it("answers 422 naming every problem of every file: the stack files' JSON Schema, unreadable YAML, a secret, a bad project file", () =>
        withService({}, async (service) => {
            const files = shippedFiles();
            const answer = await service.request("POST", "/v1/plan", {
                body: {
                    files: {
                        "Pulumi.yaml": "runtime: nodejs\n",
                        "Pulumi.accountA.yaml": files["Pulumi.accountA.yaml"].replace("region: us-east-2", "region: us-east").replace("deploy: pipeline", "deploy: both"),
                        "Pulumi.accountB.yaml": `${files["Pulumi.accountB.yaml"]}  cross-account-pipeline:encryptonKey: x\n  cross-account-pipeline:pipelineName:\n    secure: v1:abc\n`,
                        "Pulumi.broken.yaml": "config: [unclosed\n",
                    },
                },
            });
            assert.equal(answer.status, 422, answer.text);
            assert.equal(answer.json.error, "the plan refuses these files");
            const problems: string[] = answer.json.problems;
            const expected = [
                /^Pulumi\.yaml: name is missing; expected the project's name$/,
                /^Pulumi\.accountA\.yaml: config\.cross-account-pipeline:deploy must be equal to one of the allowed values: pipeline, target, all$/,
                /^Pulumi\.accountA\.yaml: config\.cross-account-pipeline:region must match pattern/,
                /^Pulumi\.accountB\.yaml: cross-account-pipeline:pipelineName is a secret \(secure:\), which the plan cannot decrypt/,
                /^Pulumi\.accountB\.yaml: config has cross-account-pipeline:encryptonKey, which is not among its keys/,
                /^Pulumi\.broken\.yaml: not valid YAML/,
            ];
            for (const pattern of expected) {
                assert.ok(problems.some((problem) => pattern.test(problem)), `${pattern} among:\n  ${problems.join("\n  ")}`);
            }
        }));

    it("answers 422 with what `npm run plan` says of a value (where it is written, the value, what is expected), and a misspelled key with it", () =>
        withService({}, async (service) => {
            const files = shippedFiles();
            const answer = await service.request("POST", "/v1/plan", {
                body: {
                    files: {
                        ...files,
                        "Pulumi.accountA.yaml": `${files["Pulumi.accountA.yaml"].replace("region: us-east-2", "region: mars-1")}  cross-account-pipeline:encryptonKey: x\n`,
                    },
                },
            });
            assert.equal(answer.status, 422, answer.text);
            const problems: string[] = answer.json.problems;
            assert.equal(problems.length, 2, problems.join("\n"));
            assert.match(problems[0], /^Pulumi\.accountA\.yaml:10:34: region: "mars-1" is not an AWS region name; expected an AWS region such as "us-east-2" \[stack accountA\]$/);
            assert.match(problems[1], /^Pulumi\.accountA\.yaml:12:40: encryptonKey: unknown key of namespace cross-account-pipeline; expected only: deploy, region/);
        }));

    it("answers 429 past its pool and queue, and 504 for a plan past its time", () =>
        withService({ planConcurrency: 1, planQueue: 0 }, async (service) => {
            const both = await Promise.all([1, 2].map(() => service.request("POST", "/v1/plan", { body: { files: shippedFiles() } })));
            assert.deepEqual(both.map((answer) => answer.status).sort(), [200, 429]);
            const refused = both.find((answer) => answer.status === 429)!;
            assert.equal(refused.headers["retry-after"], "10");
            assert.match(refused.json.error, /^1 plans are running and 0 waiting, as many as this service takes/);
        }).then(() => withService({ planTimeoutMs: 1 }, async (service) => {
            const answer = await service.request("POST", "/v1/plan", { body: { files: shippedFiles() } });
            assert.equal(answer.status, 504);
            assert.deepEqual(answer.json, { error: "the plan took longer than 0.001 s and was stopped" });
        })));

    it("takes no secret from its own environment for a caller's secure: value, and shows none", () => {
        const variable = "CROSS_ACCOUNT_PIPELINE_CONFIG_pipelineName";
        process.env[variable] = "SuperSecretPipeline";
        return withService({}, async (service) => {
            const files = shippedFiles();
            const answer = await service.request("POST", "/v1/plan", {
                body: { files: { ...files, "Pulumi.accountA.yaml": `${files["Pulumi.accountA.yaml"]}  cross-account-pipeline:pipelineName:\n    secure: v1:abc\n` } },
            });
            assert.equal(answer.status, 422);
            assert.match(answer.json.problems[0], /the service takes no plaintext for/);
            assert.doesNotMatch(answer.text, /SuperSecretPipeline/);
            assert.ok(!answer.text.includes(REDACTED));
        }).finally(() => delete process.env[variable]);
    });
});
