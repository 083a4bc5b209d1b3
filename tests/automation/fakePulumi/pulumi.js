#!/usr/bin/env node
// A fake of the Pulumi CLI, for tests that run the driver on the real Automation API
// (`@pulumi/pulumi/automation`, whose code is what is under test). It answers the commands that
// API sends, in the shapes it parses (automation/cmd.js, localWorkspace.js, stack.js), records each
// invocation (argv, environment, cwd, start and end), and writes what the real CLI writes. It is
// no engine: a stack's resources and outputs come from a scenario file the test writes.
//
// What it models, and where the real behaviour is (pulumi/pulumi):
// - The backend: PULUMI_BACKEND_URL, else `backend.url` in Pulumi.yaml, else the `current` backend
//   of `pulumi login` in $PULUMI_HOME/credentials.json (pkg/workspace GetCurrentCloudURL); else an
//   access token logs in to https://api.pulumi.com; else a non-interactive login fails.
//   A `file://` backend's directory must exist (gocloud fileblob); its stacks are
//   `<dir>/.pulumi/stacks/<project>/<stack>.json`. A service backend's stacks are kept under
//   FAKE_PULUMI_CLOUD_DIR/<host>/.
// - Stack names: `<org>/<project>/<stack>`, `<org>/<stack>` or `<stack>`, whose organization is the
//   default one (`pulumi org get-default`: FAKE_PULUMI_DEFAULT_ORG), else the user's own, on a
//   service backend, and must be "organization" on a self-managed one (pkg/backend/diy/store.go);
//   a service backend keeps each organization's stacks apart. `stack ls --json` names them as the
//   CLI does, in full with `--fully-qualify-stack-names` (diy/backend.go, httpstate/stack.go String).
// - `stack select`, `stack init` (unless `--no-select`) and `stack rm` (always: stack_remove.go
//   clears the selection) read, then rewrite, the workspace settings file
//   $PULUMI_HOME/workspaces/<project>-<hash>-workspace.json without a lock (#8186, #6287); the
//   fake holds it for FAKE_PULUMI_SELECT_MS between the read and the write, as a slow disk would.
// - `stack init` makes the secrets manager: the stack file's provider, else `--secrets-provider`,
//   else the backend's default (passphrase on a self-managed backend). The passphrase provider
//   needs PULUMI_CONFIG_PASSPHRASE(_FILE) and, when the stack file has no `encryptionsalt`,
//   writes one into it (pkg/cmd/pulumi/stack/io.go CreateStack, secrets.go
//   createSecretsManagerForNewStack). `stack rm` deletes the stack file unless
//   `--preserve-config` (stack_rm.go), and refuses a stack with resources unless `--force`.
// - `preview`, `up`, `destroy`, `refresh`: a stack's StackReferences (scenario `reads`) fail when
//   the stack read does not exist or has no outputs; `--policy-pack` must be a pack directory, and
//   a scenario `policyViolation` fails the run only when a pack is given; deleting a protected
//   resource fails with the engine's text; `destroy --exclude-protected` keeps protected
//   resources, their parents and what they depend on. Engine events go to the `--event-log`:
//   over gRPC to `tcp://host:port` (CLI > 3.205, as stack.js expects) or into the file.
// - `config --json`: the stack file's values, the project's `config:` values under them and what
//   a scenario `environmentConfig` (an ESC environment) adds, in `listConfig`'s JSON shape.

"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");

const startedAt = Date.now();
const argv = process.argv.slice(2);
const env = process.env;
// The oldest CLI the project supports (Pulumi.yaml requiredPulumiVersion), unless a test names another.
const VERSION = env.FAKE_PULUMI_VERSION || "3.252.0";

// ---- arguments --------------------------------------------------------------------------------

const VALUE_FLAGS = new Set([
    "--stack", "-s", "--event-log", "--policy-pack", "--policy-pack-config", "--exec-kind", "--color", "--secrets-provider",
    "--page-size", "--page", "--message", "--parallel", "--client", "--config-file", "--target", "--exclude", "--replace",
]);
const positional = [];
const flags = {};
for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith("-")) {
        const [name, inline] = arg.split(/=(.*)/s);
        const value = inline !== undefined ? inline : VALUE_FLAGS.has(name) ? argv[++i] : true;
        (flags[name] = flags[name] || []).push(value);
    } else {
        positional.push(arg);
    }
}
const flag = (name) => (flags[name] ? flags[name][flags[name].length - 1] : undefined);
/** The stack this invocation is about, as given: `--stack`, or `stack init|rm <name>`. */
const stackArgument = () => flag("--stack") || flag("-s") || (positional[0] === "stack" && ["init", "rm"].includes(positional[1]) ? positional[2] : undefined);

// ---- outcome and the invocation log -----------------------------------------------------------

function finish(code) {
    if (env.FAKE_PULUMI_LOG) {
        const entry = {
            argv,
            command: positional.slice(0, positional[0] === "stack" || positional[0] === "config" ? 2 : 1).join(" "),
            stack: stackArgument() && stackArgument().split("/").pop(),
            stackArgument: stackArgument(),
            cwd: process.cwd(),
            start: startedAt,
            end: Date.now(),
            exitCode: code,
            env: {
                PULUMI_BACKEND_URL: env.PULUMI_BACKEND_URL,
                PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE,
                AWS_PROFILE: env.AWS_PROFILE,
                CROSS_ACCOUNT_PIPELINE_AWS_CREDENTIALS: env.CROSS_ACCOUNT_PIPELINE_AWS_CREDENTIALS,
                PULUMI_HOME: env.PULUMI_HOME,
            },
        };
        fs.appendFileSync(env.FAKE_PULUMI_LOG, JSON.stringify(entry) + "\n");
    }
    process.exit(code);
}
class CliError extends Error {}
const fail = (message) => {
    throw new CliError(message);
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- signals ------------------------------------------------------------------------------------
// Each operation's start and every signal received are recorded (FAKE_PULUMI_SIGNALS, a line each, `event`
// "started", "SIGINT" or "SIGTERM"). While an operation runs, the first
// SIGINT or SIGTERM cancels it cleanly, as the real CLI does ("^C received; cancelling. If you would like to
// terminate immediately, press ^C again.", pkg/backend/cancellation_scope.go): the operation stops at a safe
// point after FAKE_PULUMI_CANCEL_MS and fails with "update canceled", its state consistent. A second signal
// before that terminates at once ("^C received; terminating"), leaving the stack locked with pending operations.
const signalsReceived = [];
let onInterrupt = () => undefined;
function recordProcessEvent(event) {
    if (env.FAKE_PULUMI_SIGNALS) {
        fs.appendFileSync(env.FAKE_PULUMI_SIGNALS, JSON.stringify({ event, command: positional[0], stack: stackArgument() && stackArgument().split("/").pop(), pid: process.pid }) + "\n");
    }
}
for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
        signalsReceived.push(signal);
        recordProcessEvent(signal);
        onInterrupt(signalsReceived.length);
    });
}

/** Sleeps `ms`, or until an interrupt: "completed", "canceled" (one signal), or exits at once on a second. */
function interruptibleSleep(ms, stack) {
    recordProcessEvent("started");
    return new Promise((resolve) => {
        const timer = setTimeout(() => resolve("completed"), ms);
        onInterrupt = (count) => {
            if (count === 1) {
                process.stdout.write("^C received; cancelling. If you would like to terminate immediately, press ^C again.\n");
                clearTimeout(timer);
                setTimeout(() => resolve("canceled"), Number(env.FAKE_PULUMI_CANCEL_MS || 300));
            } else {
                process.stdout.write("^C received; terminating\n");
                const record = readRecord(stack);
                writeRecord(stack, { ...record, locked: true, pendingOperations: [{ type: "creating" }] });
                process.stderr.write("error: the update was terminated: its state may hold pending operations\n");
                finish(255);
            }
        };
    });
}

// ---- the project, its stacks' files, the scenario ---------------------------------------------

function project() {
    const file = path.join(process.cwd(), "Pulumi.yaml");
    if (!fs.existsSync(file)) {
        fail("no Pulumi.yaml project file found (searching upwards from " + process.cwd() + ")");
    }
    const document = yaml.load(fs.readFileSync(file, "utf8")) || {};
    return { file, document, name: document.name, stackConfigDir: path.resolve(process.cwd(), document.stackConfigDir || ".") };
}
const stackFileOf = (stack) => path.join(project().stackConfigDir, `Pulumi.${stack}.yaml`);
function readStackFile(stack) {
    const file = stackFileOf(stack);
    return fs.existsSync(file) ? yaml.load(fs.readFileSync(file, "utf8")) || {} : {};
}
function scenarioOf(stack) {
    const scenario = env.FAKE_PULUMI_SCENARIO ? JSON.parse(fs.readFileSync(env.FAKE_PULUMI_SCENARIO, "utf8")) : {};
    return (scenario.stacks || {})[stack] || {};
}

// ---- the backend ------------------------------------------------------------------------------

const pulumiHome = () => env.PULUMI_HOME || path.join(require("os").homedir(), ".pulumi");
function backendUrl() {
    if (env.PULUMI_BACKEND_URL) {
        return env.PULUMI_BACKEND_URL;
    }
    const { document } = project();
    if (document.backend && document.backend.url) {
        return document.backend.url;
    }
    const credentials = path.join(env.PULUMI_CREDENTIALS_PATH || pulumiHome(), "credentials.json");
    const current = fs.existsSync(credentials) ? JSON.parse(fs.readFileSync(credentials, "utf8")).current : undefined;
    if (current) {
        return current;
    }
    if (env.PULUMI_ACCESS_TOKEN) {
        return "https://api.pulumi.com";
    }
    fail("PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions");
}
const isService = (url) => /^https?:\/\//.test(url);
/** The default organization of a service backend (`pulumi org set-default`), if one is set. */
const defaultOrg = () => env.FAKE_PULUMI_DEFAULT_ORG;
const CURRENT_USER = "fake-user";
/**
 * The stack argument resolved as the CLI resolves it: `<org>/<project>/<stack>`, `<org>/<stack>` or `<stack>` (the
 * default organization, else the user's own; a self-managed backend's only organization is "organization",
 * pkg/backend/diy/store.go).
 */
function stackReference() {
    const parts = stackArgument().split("/");
    const stack = parts[parts.length - 1];
    if (parts.length === 3 && parts[1] !== project().name) {
        fail(`provided project name "${parts[1]}" doesn't match Pulumi.yaml`);
    }
    const service = isService(backendUrl());
    const organization = parts.length > 1 ? parts[0] : service ? defaultOrg() || CURRENT_USER : "organization";
    if (!service && organization !== "organization") {
        fail("organization name must be 'organization'");
    }
    return { organization, stack };
}
function stacksDir(organization = stackArgument() ? stackReference().organization : "organization") {
    const url = backendUrl();
    if (url.startsWith("file://")) {
        const dir = url.slice("file://".length);
        if (!fs.existsSync(dir)) {
            fail(`problem logging in: unable to open bucket ${url}: stat ${dir}: no such file or directory`);
        }
        return path.join(dir, ".pulumi", "stacks", project().name);
    }
    if (isService(url)) {
        return path.join(env.FAKE_PULUMI_CLOUD_DIR, new URL(url).host, "stacks", organization, project().name);
    }
    fail(`the fake Pulumi CLI does not model the backend ${url}`);
}
/** `pulumi stack ls --json`: the project's stacks, named as the CLI names them (in full with --fully-qualify-stack-names). */
function listStacks() {
    const url = backendUrl();
    const qualify = Boolean(flags["--fully-qualify-stack-names"] || flags["-Q"]);
    const organizations = isService(url)
        ? (fs.existsSync(path.join(env.FAKE_PULUMI_CLOUD_DIR, new URL(url).host, "stacks")) ? fs.readdirSync(path.join(env.FAKE_PULUMI_CLOUD_DIR, new URL(url).host, "stacks")) : [])
        : ["organization"];
    return organizations.flatMap((organization) => {
        const dir = stacksDir(organization);
        const stacks = fs.existsSync(dir) ? fs.readdirSync(dir).map((file) => file.replace(/\.json$/, "")) : [];
        const elided = isService(url) ? organization === (defaultOrg() || CURRENT_USER) : true;
        return stacks.map((stack) => ({
            name: qualify ? `${organization}/${project().name}/${stack}` : elided ? stack : `${organization}/${stack}`,
            current: false,
            updateInProgress: false,
            resourceCount: (JSON.parse(fs.readFileSync(path.join(dir, `${stack}.json`), "utf8")).resources || []).length,
        }));
    });
}
const recordFile = (stack) => path.join(stacksDir(), `${stack}.json`);
const readRecord = (stack) => (fs.existsSync(recordFile(stack)) ? JSON.parse(fs.readFileSync(recordFile(stack), "utf8")) : undefined);
function writeRecord(stack, record) {
    fs.mkdirSync(stacksDir(), { recursive: true });
    fs.writeFileSync(recordFile(stack), JSON.stringify(record, null, 2));
}
function requireRecord(stack) {
    const record = readRecord(stack);
    if (!record) {
        fail(`no stack named '${stack}' found`);
    }
    return record;
}

// ---- secrets ----------------------------------------------------------------------------------

function requirePassphrase() {
    if (env.PULUMI_CONFIG_PASSPHRASE === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined) {
        fail("getting secrets manager: passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables");
    }
}
/**
 * A stack's secrets manager, as loaded for any command that decrypts. A passphrase stack whose
 * file has no `encryptionsalt` gets a new one, saved into the file (secrets.go GetSecretsManager:
 * DefaultSecretManager, then "must save"), when `save` is set (preview, up, destroy, refresh).
 */
function secretsManagerOf(stack, record, save) {
    if (record.secretsProvider === "passphrase") {
        requirePassphrase();
        if (save && !readStackFile(stack).encryptionsalt) {
            writeSalt(stack);
        }
    }
}
function writeSalt(stack) {
    const stackFile = stackFileOf(stack);
    const text = fs.existsSync(stackFile) ? fs.readFileSync(stackFile, "utf8") : "";
    fs.writeFileSync(stackFile, `encryptionsalt: v1:${crypto.randomBytes(8).toString("base64")}:v1:fake\n${text}`);
}

// ---- the workspace settings file (the one `stack select` rewrites) ----------------------------

async function setCurrentStack(stack) {
    const { file, name } = project();
    const hash = crypto.createHash("sha1").update(file).digest("hex");
    const settings = path.join(pulumiHome(), "workspaces", `${name}-${hash}-workspace.json`);
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    const before = fs.existsSync(settings) ? JSON.parse(fs.readFileSync(settings, "utf8")) : {};
    await sleep(Number(env.FAKE_PULUMI_SELECT_MS || 100));
    fs.writeFileSync(settings, JSON.stringify({ ...before, stack }));
}

// ---- resources --------------------------------------------------------------------------------

const urnOf = (stack, resource) => `urn:pulumi:${stack}::${project().name}::${resource.type}::${resource.name}`;
function stackResource(stack) {
    return { urn: `urn:pulumi:${stack}::${project().name}::pulumi:pulumi:Stack::${project().name}-${stack}`, type: "pulumi:pulumi:Stack" };
}
/** The scenario's resources as state entries: parents and dependencies by URN. */
function plannedResources(stack) {
    const declared = scenarioOf(stack).resources || [];
    const byName = Object.fromEntries(declared.map((r) => [r.name, urnOf(stack, r)]));
    return declared.map((r) => ({
        urn: byName[r.name],
        type: r.type,
        ...(r.protect ? { protect: true } : {}),
        parent: r.parent ? byName[r.parent] : stackResource(stack).urn,
        dependencies: (r.dependencies || []).map((name) => byName[name]),
    }));
}
/** Outputs of the scenario; a string "${stack:NAME:a.b.c}" reads another stack's output, like a StackReference. */
function resolveOutputs(value) {
    if (typeof value === "string") {
        const match = /^\$\{stack:([^:]+):(.+)\}$/.exec(value);
        if (!match) {
            return value;
        }
        const other = readRecord(match[1]);
        return match[2].split(".").reduce((at, key) => (at === undefined ? undefined : at[key]), other && other.outputs);
    }
    if (Array.isArray(value)) {
        return value.map(resolveOutputs);
    }
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveOutputs(v)]));
    }
    return value;
}
function checkStackReferences(stack) {
    for (const other of scenarioOf(stack).reads || []) {
        const record = readRecord(other);
        if (!record || Object.keys(record.outputs || {}).length === 0) {
            fail(`Program failed with an unhandled exception: stack ${other} has no outputs yet (deploy it first)`);
        }
    }
}
const protectedMessage = (urn) =>
    `resource "${urn}" cannot be deleted\nbecause it is protected. To unprotect the resource, either remove the \`protect\` flag ` +
    `from the resource in your Pulumi program and run \`pulumi up\`, or use the command:\n\`pulumi state unprotect '${urn}'\``;

// ---- engine events ----------------------------------------------------------------------------

async function sendEvents(events) {
    const target = flag("--event-log");
    if (!target) {
        return;
    }
    const stamped = events.map((event, sequence) => ({ sequence, timestamp: Math.floor(Date.now() / 1000), ...event }));
    if (!target.startsWith("tcp://")) {
        fs.appendFileSync(target, stamped.map((event) => JSON.stringify(event) + "\n").join(""));
        return;
    }
    const grpc = require("@grpc/grpc-js");
    const { EventsService } = require("@pulumi/pulumi/proto/events_grpc_pb");
    const { EventRequest } = require("@pulumi/pulumi/proto/events_pb");
    const Client = grpc.makeGenericClientConstructor(EventsService, "Events");
    const client = new Client(target.slice("tcp://".length), grpc.credentials.createInsecure());
    await new Promise((resolve, reject) => {
        const call = client.streamEvents((error) => (error ? reject(error) : resolve()));
        for (const event of stamped) {
            const request = new EventRequest();
            request.setEvent(JSON.stringify(event));
            call.write(request);
        }
        call.end();
    });
    client.close();
}
const stepEvent = (kind, op, resource) => ({ [kind]: { metadata: { op, urn: resource.urn, type: resource.type, provider: "" } } });

// ---- the operations ---------------------------------------------------------------------------

const SYMBOL = { create: "+", update: "~", delete: "-", same: " ", import: "=" };

async function operate(operation) {
    const { stack } = stackReference();
    const record = requireRecord(stack);
    secretsManagerOf(stack, record, true);
    const scenario = scenarioOf(stack);
    const packs = flags["--policy-pack"] || [];
    for (const pack of packs) {
        if (!fs.existsSync(path.join(pack, "PulumiPolicy.yaml"))) {
            fail(`could not load policy pack ${pack}: no PulumiPolicy.yaml`);
        }
    }
    if (operation !== "preview" && !flags["--yes"]) {
        fail("--yes or --skip-preview must be passed in non-interactive mode");
    }
    if (operation !== "destroy" && operation !== "refresh") {
        checkStackReferences(stack);
    }
    if (scenario.fail && scenario.fail[operation]) {
        fail(scenario.fail[operation]);
    }
    const delayMs = typeof scenario.delayMs === "object" ? scenario.delayMs[operation] : scenario.delayMs;
    const slept = await interruptibleSleep(delayMs === undefined ? Number(env.FAKE_PULUMI_OPERATION_MS || 250) : delayMs, stack);
    if (slept === "canceled") {
        fail(`${operation === "up" ? "update" : operation} canceled`);
    }

    const current = record.resources || [];
    let next = current;
    const steps = [];
    if (operation === "preview" || operation === "up") {
        const planned = plannedResources(stack);
        for (const resource of planned) {
            // A resource the program imports (the `import` option) and the state lacks is imported, not created.
            const imported = (scenarioOf(stack).resources || []).some((r) => r.import && resource.urn.endsWith(`::${r.name}`));
            steps.push([current.some((r) => r.urn === resource.urn) ? "same" : imported ? "import" : "create", resource]);
        }
        for (const resource of current.filter((r) => !planned.some((p) => p.urn === r.urn))) {
            if (resource.protect) {
                fail(protectedMessage(resource.urn));
            }
            steps.push(["delete", resource]);
        }
        next = planned;
    } else if (operation === "destroy") {
        const kept = new Set();
        const keep = (urn) => {
            const resource = current.find((r) => r.urn === urn);
            if (resource && !kept.has(urn)) {
                kept.add(urn);
                [resource.parent, ...(resource.dependencies || [])].forEach(keep);
            }
        };
        const protectedOnes = current.filter((r) => r.protect);
        if (protectedOnes.length > 0 && !flags["--exclude-protected"]) {
            fail(protectedMessage(protectedOnes[0].urn));
        }
        protectedOnes.forEach((r) => keep(r.urn));
        for (const resource of current.filter((r) => !kept.has(r.urn))) {
            steps.push(["delete", resource]);
        }
        next = current.filter((r) => kept.has(r.urn));
    } else {
        current.forEach((resource) => steps.push(["same", resource]));
    }
    if (packs.length > 0 && scenario.policyViolation && (operation === "preview" || operation === "up")) {
        process.stdout.write(`Policies:\n    ❌ cross-account-pipeline@v0.1.0\n        - [mandatory]  ${scenario.policyViolation}\n`);
        fail(`${operation} failed: policy violations`);
    }

    const counts = {};
    steps.forEach(([op]) => (counts[op] = (counts[op] || 0) + 1));
    const title = { preview: "Previewing update", up: "Updating", destroy: "Destroying", refresh: "Refreshing" }[operation];
    process.stdout.write(`${title} (${stack}):\n`);
    steps.filter(([op]) => op !== "same").forEach(([op, r]) => process.stdout.write(` ${SYMBOL[op]}  ${r.type} ${r.urn.split("::").pop()} ${op}\n`));
    process.stdout.write(`Resources:\n${Object.entries(counts).map(([op, n]) => `    ${n} ${op === "same" ? "unchanged" : `to ${op}`}`).join("\n")}\n`);

    const applying = operation !== "preview";
    await sendEvents([
        { preludeEvent: { config: {} } },
        ...steps.flatMap(([op, resource]) => [
            stepEvent("resourcePreEvent", op, resource),
            ...(applying ? [stepEvent("resOutputsEvent", op, resource)] : []),
        ]),
        { summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: counts, policyPacks: {} } },
        { cancelEvent: {} },
    ]);
    if (applying) {
        const outputs = operation === "up" ? resolveOutputs(scenario.outputs || {}) : operation === "destroy" && next.length === 0 ? {} : record.outputs;
        const entry = { version: (record.history || []).length + 1, kind: operation === "up" ? "update" : operation, result: "succeeded",
            startTime: new Date(startedAt).toISOString(), endTime: new Date().toISOString(), message: "", environment: {}, config: {},
            resourceChanges: counts };
        writeRecord(stack, { ...record, resources: next, outputs, history: [entry, ...(record.history || [])] });
    }
}

function configOf(stack) {
    const values = {};
    const { document, name } = project();
    for (const [key, declared] of Object.entries(document.config || {})) {
        const value = declared && typeof declared === "object" && !Array.isArray(declared) ? (declared.value !== undefined ? declared.value : declared.default) : declared;
        if (value !== undefined) {
            values[key.includes(":") ? key : `${name}:${key}`] = value;
        }
    }
    Object.assign(values, readStackFile(stack).config || {}, scenarioOf(stack).environmentConfig || {});
    return Object.fromEntries(
        Object.entries(values).map(([key, value]) =>
            typeof value === "object" && value !== null
                ? [key, { value: JSON.stringify(value), objectValue: value, secret: false }]
                : [key, { value: String(value), secret: false }],
        ),
    );
}

async function main() {
    const [command, sub] = positional;
    if (command === "version") {
        process.stdout.write(`v${VERSION}\n`);
        return;
    }
    if (command === "whoami") {
        const url = backendUrl();
        stacksDir(); // logging in to a file backend opens its directory
        process.stdout.write(JSON.stringify({ user: "fake-user", organizations: [], url }) + "\n");
        return;
    }
    if (command === "org" && sub === "get-default") {
        if (!isService(backendUrl())) {
            fail(`backends of this type "diy" do not support organizations`);
        }
        process.stdout.write(`${defaultOrg() || "No Default Org Specified"}\n`);
        return;
    }
    if (command === "stack" && sub === "ls") {
        process.stdout.write(JSON.stringify(listStacks()) + "\n");
        return;
    }
    const stack = stackArgument() && stackReference().stack;
    if (command === "stack" && sub === "select") {
        requireRecord(stack);
        await setCurrentStack(stackArgument());
        return;
    }
    if (command === "stack" && sub === "init") {
        if (readRecord(stack)) {
            fail(`stack '${stackArgument()}' already exists`);
        }
        const file = readStackFile(stack);
        const given = file.secretsprovider || flag("--secrets-provider") || "default";
        const provider = given === "default" ? (isService(backendUrl()) ? "service" : "passphrase") : given;
        if (provider === "passphrase") {
            requirePassphrase();
            if (!file.encryptionsalt) {
                writeSalt(stack);
            }
        }
        writeRecord(stack, { secretsProvider: provider, resources: [], outputs: {}, history: [] });
        if (!flags["--no-select"]) {
            await setCurrentStack(stackArgument());
        }
        return;
    }
    if (command === "stack" && sub === "rm") {
        const record = requireRecord(stack);
        if ((record.resources || []).length > 0 && !flags["--force"]) {
            fail(`'${stack}' still has resources; removal rejected`);
        }
        fs.rmSync(recordFile(stack));
        if (!flags["--preserve-config"]) {
            fs.rmSync(stackFileOf(stack), { force: true });
        }
        // The CLI clears the selection after every removal (stack_remove.go).
        await setCurrentStack("");
        return;
    }
    if (command === "stack" && sub === "output") {
        const record = requireRecord(stack);
        if (flags["--show-secrets"]) {
            secretsManagerOf(stack, record, false);
        }
        process.stdout.write(JSON.stringify(record.outputs || {}) + "\n");
        return;
    }
    if (command === "stack" && sub === "export") {
        const record = requireRecord(stack);
        secretsManagerOf(stack, record, false);
        const resources = (record.resources || []).length > 0 ? [stackResource(stack), ...record.resources] : [];
        process.stdout.write(JSON.stringify({ version: 3, deployment: { manifest: { time: new Date().toISOString() }, resources } }) + "\n");
        return;
    }
    if (command === "stack" && sub === "history") {
        process.stdout.write(JSON.stringify((requireRecord(stack).history || []).slice(0, 1)) + "\n");
        return;
    }
    if (command === "config" && positional.length === 1) {
        const record = requireRecord(stack);
        if (flags["--show-secrets"]) {
            secretsManagerOf(stack, record, false);
        }
        process.stdout.write(JSON.stringify(configOf(stack)) + "\n");
        return;
    }
    if (["preview", "up", "destroy", "refresh"].includes(command)) {
        await operate(command);
        return;
    }
    fail(`the fake Pulumi CLI does not know \`pulumi ${positional.join(" ")}\``);
}

main().then(
    () => finish(0),
    (error) => {
        process.stderr.write(error instanceof CliError ? `error: ${error.message}\n` : `${error.stack}\n`);
        finish(error instanceof CliError ? 255 : 1);
    },
);
