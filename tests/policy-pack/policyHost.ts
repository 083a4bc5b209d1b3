// A stand-in for the Pulumi CLI's policy host (which cannot run here): it starts the policy pack the
// way `pulumi preview --policy-pack ./policy-pack` does and speaks the pack's analyzer gRPC protocol,
// with the engine's view of a stack built from the program's resources under mocks. The pack itself,
// @pulumi/policy's server and the protobuf messages are the real ones. How the CLI does it
// (pulumi/pulumi sources):
// - sdk/go/common/resource/plugin/analyzer_plugin.go, NewPolicyAnalyzer: for `runtime: nodejs` it runs the
//   plugin `pulumi-analyzer-policy` with the pack's folder as working directory and the arguments
//   `<engine address> .`, in the environment constructEnv builds (PULUMI_CONFIG, PULUMI_NODEJS_STACK, ...).
// - sdk/nodejs/dist/pulumi-analyzer-policy: `node "$(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))" $@`,
//   resolved from that folder: the pack's own node_modules.
// - @pulumi/pulumi/cmd/run-policy-pack: registers ts-node, then requires the folder (package.json `main`);
//   the pack's `new PolicyPack(...)` serves the Analyzer service on 127.0.0.1 and prints its port.
// - sdk/go/common/resource/plugin/plugin.go: reads the first line of stdout as the port and dials it;
//   NewPolicyAnalyzer then calls ConfigureStack; the engine calls GetAnalyzerInfo, Analyze for each resource
//   as it comes to the resource's step (before the step runs), and AnalyzeStack at the end of a preview or update.
import * as grpc from "@grpc/grpc-js";
import * as analyzerproto from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type { DeclaredResource } from "../../evaluation/mockCloud";
import { organization, projectName } from "../../evaluation/runProgram";
import { ruleResourcesOfDeclared } from "../../offline-plan/ruleResources";
import { projectRoot } from "../fixtures";
import type { PropertyBag } from "../../evaluation/propertyBag";

export const packDir = path.join(projectRoot, "policy-pack");

/** A resource as the engine sends it in an AnalyzeStackRequest (an AnalyzerResource), in plain form. */
export interface EngineResource {
    type: string;
    name: string;
    urn: string;
    parent?: string;
    /** Its outputs; a value a preview does not know yet is one of the engine's unknown markers. */
    props: PropertyBag;
    protect: boolean;
    provider?: { type: string; name: string; urn: string; props: PropertyBag };
    /** The URNs of the resources each property is computed from. */
    propertyDependencies?: Record<string, string[]>;
}

/** What the pack reported about one resource (an AnalyzeDiagnostic). */
export interface Diagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    enforcementLevel: "advisory" | "mandatory" | "disabled" | "remediate";
    urn: string;
    /** The policy's description, a newline, then the violation's message. */
    message: string;
}

export interface AnalyzerInfo {
    name: string;
    version: string;
    policies: { name: string; description: string; enforcementLevel: Diagnostic["enforcementLevel"] }[];
}

/**
 * The engine's view of a stack the program declared under mocks: outputs, URNs, parents, providers, protect.
 * What the program reads instead of declaring (its StackReference) has no registration, hence no URN
 * here, and is left out: the engine sends it too, but no rule looks at it.
 */
export function engineResourcesOf(resources: DeclaredResource[]): EngineResource[] {
    // The plan's rule resources hold the outputs with unknowns already as the engine's marker.
    const outputs = ruleResourcesOfDeclared(resources).map((resource) => resource.props);
    const providerOf = (resource: DeclaredResource) => {
        const i = resources.findIndex((r) => r.type.startsWith("pulumi:providers:") && r.name === resource.providerName && r.registration);
        return i < 0 ? undefined : { type: resources[i].type, name: resources[i].name, urn: resources[i].registration!.urn, props: outputs[i] };
    };
    return resources.flatMap((resource, i) => {
        if (!resource.registration) {
            return [];
        }
        const provider = resource.providerName === undefined ? undefined : providerOf(resource);
        return [{
            type: resource.type,
            name: resource.name,
            urn: resource.registration.urn,
            ...(resource.registration.parentUrn ? { parent: resource.registration.parentUrn } : {}),
            props: outputs[i],
            protect: resource.registration.protect,
            ...(provider ? { provider } : {}),
        }];
    });
}

/** Builds the pack's entry point with the pack's own build script, as its README says. */
export function buildPack(): void {
    const build = spawnSync("npm", ["run", "build"], { cwd: packDir, encoding: "utf8" });
    if (build.status !== 0) {
        throw new Error(`npm run build in policy-pack/ failed:\n${build.stdout}${build.stderr}`);
    }
}

export interface StackIdentity {
    stack: string;
    /** The stack's config, fully qualified keys to string values, as the CLI passes it. */
    config: Record<string, string>;
}

/** A running pack, connected. */
export class PolicyPackProcess {
    private constructor(
        private readonly child: ReturnType<typeof spawn>,
        private readonly client: AnalyzerClient,
        /** Milliseconds from starting the process to reading the port it serves on. */
        readonly startMs: number,
        /** What the pack wrote to stderr so far. */
        private readonly stderr: string[],
    ) {}

    /**
     * Starts the pack in `dir` as the CLI does, and configures it for `stack`. `program` is run-policy-pack's
     * second argument: the CLI passes `.` (the folder, hence package.json `main`); the benchmark also
     * passes `index.ts` to time the TypeScript sources through ts-node.
     */
    static async start(stack: StackIdentity, dir = packDir, program = "."): Promise<PolicyPackProcess> {
        let runPolicyPack: string;
        try {
            runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
        } catch {
            throw new Error(`the policy pack's dependencies are not installed in ${dir}: run npm ci there (the root's npm ci does it for policy-pack/)`);
        }
        // The engine address is shifted off by run-policy-pack; nothing in the pack dials it.
        const engineAddress = "127.0.0.1:0";
        const started = process.hrtime.bigint();
        const child = spawn(process.execPath, [runPolicyPack, engineAddress, program], { cwd: dir, env: packEnvironment(stack), stdio: ["ignore", "pipe", "pipe"] });
        const stderr: string[] = [];
        child.stderr!.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
        const port = await firstLine(child, stderr);
        const startMs = Number(process.hrtime.bigint() - started) / 1e6;
        if (!/^\d+$/.test(port)) {
            child.kill();
            throw new Error(`the policy pack wrote a non-numeric port to stdout ("${port}"); stderr:\n${stderr.join("")}`);
        }
        const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        const pack = new PolicyPackProcess(child, client, startMs, stderr);
        await pack.configureStack(stack);
        return pack;
    }

    getAnalyzerInfo(): Promise<AnalyzerInfo> {
        return this.call<Empty, analyzerproto.AnalyzerInfo>((req, cb) => this.client.getAnalyzerInfo(req, cb), new Empty()).then((info) => ({
            name: info.getName(),
            version: info.getVersion(),
            policies: info.getPoliciesList().map((p) => ({ name: p.getName(), description: p.getDescription(), enforcementLevel: enforcementLevelOf(p.getEnforcementlevel()) })),
        }));
    }

    /**
     * What the engine asks as it comes to one resource's step, before the step runs: the pack's resource policies.
     * Their diagnostics name no URN; the engine reports them against the resource it asked about (analyzeAll).
     */
    async analyze(resource: EngineResource): Promise<Diagnostic[]> {
        const response = await this.call<analyzerproto.AnalyzeRequest, analyzerproto.AnalyzeResponse>(
            (req, cb) => this.client.analyze(req, cb), analyzeRequest(resource));
        return diagnosticsOf(response).map((diagnostic) => ({ ...diagnostic, urn: diagnostic.urn || resource.urn }));
    }

    /** What the engine asks once the stack's steps are done: the pack's stack policies. */
    async analyzeStack(resources: EngineResource[]): Promise<Diagnostic[]> {
        const response = await this.call<analyzerproto.AnalyzeStackRequest, analyzerproto.AnalyzeResponse>(
            (req, cb) => this.client.analyzeStack(req, cb), analyzeStackRequest(resources));
        return diagnosticsOf(response);
    }

    /** Everything the pack reports over a preview or an update: each resource as its step comes, then the stack. */
    async analyzeAsTheEngineDoes(resources: EngineResource[]): Promise<Diagnostic[]> {
        const perResource: Diagnostic[] = [];
        for (const resource of resources) {
            perResource.push(...(await this.analyze(resource)));
        }
        return [...perResource, ...(await this.analyzeStack(resources))];
    }

    /** Ends the process, as the CLI does when the update is over. */
    async stop(): Promise<void> {
        this.client.close();
        if (this.child.exitCode === null && this.child.signalCode === null) {
            const exited = new Promise((resolve) => this.child.once("exit", resolve));
            this.child.kill();
            await exited;
        }
    }

    private configureStack(stack: StackIdentity): Promise<unknown> {
        const request = new analyzerproto.AnalyzerStackConfigureRequest()
            .setStack(stack.stack).setProject(projectName).setOrganization(organization).setDryRun(true);
        for (const [key, value] of Object.entries(stack.config)) {
            request.getConfigMap().set(key, value);
        }
        return this.call((req, cb) => this.client.configureStack(req, cb), request);
    }

    private call<Req, Res>(method: (request: Req, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown, request: Req): Promise<Res> {
        return new Promise((resolve, reject) => method(request, (error, response) => {
            if (error) {
                reject(new Error(`${error.message}\npolicy pack stderr:\n${this.stderr.join("")}`));
            } else {
                resolve(response);
            }
        }));
    }
}

/** The CLI's environment for a nodejs policy pack (constructEnv), without this process's own Pulumi settings. */
function packEnvironment(stack: StackIdentity): NodeJS.ProcessEnv {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("PULUMI_")));
    const identity = { ORGANIZATION: organization, PROJECT: projectName, STACK: stack.stack, DRY_RUN: "true" };
    return {
        ...inherited,
        PULUMI_CONFIG: JSON.stringify(stack.config),
        ...Object.fromEntries(Object.entries(identity).flatMap(([key, value]) => [[`PULUMI_NODEJS_${key}`, value], [`PULUMI_${key}`, value]])),
    };
}

/** The process's first line of stdout: the port it serves on. */
function firstLine(child: ReturnType<typeof spawn>, stderr: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        const lines = createInterface({ input: child.stdout! });
        const exited = (code: number | null) => reject(new Error(`the policy pack exited (${code}) before printing its port; stderr:\n${stderr.join("")}`));
        child.once("exit", exited);
        lines.once("line", (line) => {
            child.off("exit", exited);
            lines.close();
            resolve(line.trim());
        });
    });
}

function diagnosticsOf(response: analyzerproto.AnalyzeResponse): Diagnostic[] {
    return response.getDiagnosticsList().map((d) => ({
        policyName: d.getPolicyname(),
        policyPackName: d.getPolicypackname(),
        policyPackVersion: d.getPolicypackversion(),
        enforcementLevel: enforcementLevelOf(d.getEnforcementlevel()),
        urn: d.getUrn(),
        message: d.getMessage(),
    }));
}

/** One resource as the engine sends it before its step (AnalyzeRequest): no parent, no property dependencies. */
function analyzeRequest(resource: EngineResource): analyzerproto.AnalyzeRequest {
    const request = new analyzerproto.AnalyzeRequest()
        .setType(resource.type).setName(resource.name).setUrn(resource.urn)
        .setProperties(struct(resource.props)).setOptions(new analyzerproto.AnalyzerResourceOptions().setProtect(resource.protect));
    if (resource.provider) {
        const { type, name, urn, props } = resource.provider;
        request.setProvider(new analyzerproto.AnalyzerProviderResource().setType(type).setName(name).setUrn(urn).setProperties(struct(props)));
    }
    return request;
}

function analyzeStackRequest(resources: EngineResource[]): analyzerproto.AnalyzeStackRequest {
    return new analyzerproto.AnalyzeStackRequest().setResourcesList(resources.map((resource) => {
        const options = new analyzerproto.AnalyzerResourceOptions().setProtect(resource.protect);
        const message = new analyzerproto.AnalyzerResource()
            .setType(resource.type).setName(resource.name).setUrn(resource.urn).setParent(resource.parent ?? "")
            .setProperties(struct(resource.props)).setOptions(options);
        if (resource.provider) {
            const { type, name, urn, props } = resource.provider;
            message.setProvider(new analyzerproto.AnalyzerProviderResource().setType(type).setName(name).setUrn(urn).setProperties(struct(props)));
        }
        for (const [property, urns] of Object.entries(resource.propertyDependencies ?? {})) {
            message.getPropertydependenciesMap().set(property, new analyzerproto.AnalyzerPropertyDependencies().setUrnsList(urns));
        }
        return message;
    }));
}

/** Properties as a protobuf Struct, as the engine marshals them (absent values left out). */
function struct(props: PropertyBag): Struct {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(props)));
}

function enforcementLevelOf(level: analyzerproto.EnforcementLevel): Diagnostic["enforcementLevel"] {
    const levels = { [analyzerproto.EnforcementLevel.ADVISORY]: "advisory", [analyzerproto.EnforcementLevel.MANDATORY]: "mandatory", [analyzerproto.EnforcementLevel.DISABLED]: "disabled", [analyzerproto.EnforcementLevel.REMEDIATE]: "remediate" } as const;
    return levels[level as keyof typeof levels];
}
