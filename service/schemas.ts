// The requests' JSON Schemas, which Fastify validates each request against (ajv), and how a problem it finds
// is said: where, what is wrong, and what is expected (each schema's `description`).
import type { FastifySchemaValidationError } from "fastify";

/** The largest body POST /v1/plan takes: 4 MiB (a stack file of 498 targets is about 100 kB). */
export const PLAN_BODY_LIMIT = 4 * 1024 * 1024;
/** The largest body of the other requests. */
export const BODY_LIMIT = 64 * 1024;

/** A stack's short name: `Pulumi.<name>.yaml`. */
const stackName = "[A-Za-z0-9][A-Za-z0-9_.-]*";

export const planBody = {
    type: "object",
    description: '{"files": {"Pulumi.yaml": "...", "Pulumi.<stack>.yaml": "...", ...}}',
    required: ["files"],
    additionalProperties: false,
    properties: {
        files: {
            type: "object",
            description: "the text of Pulumi.yaml and of at least one stack file Pulumi.<stack>.yaml, by file name",
            required: ["Pulumi.yaml"],
            minProperties: 2,
            maxProperties: 1000,
            propertyNames: { pattern: `^Pulumi(\\.${stackName})?\\.yaml$`, description: "Pulumi.yaml or Pulumi.<stack>.yaml, <stack> of letters, digits, -, _ and ." },
            additionalProperties: { type: "string", description: "the file's text" },
        },
    },
} as const;

export interface PlanBody {
    files: Record<string, string>;
}

export const runOperations = ["preview", "up", "destroy", "refresh"] as const;

export const runBody = {
    type: "object",
    description: '{"operation": "preview" | "up" | "destroy" | "refresh", "stacks"?: ["<stack>", ...], "yes"?: true}',
    required: ["operation"],
    additionalProperties: false,
    properties: {
        operation: { enum: runOperations, description: "what the driver does to the stacks" },
        stacks: {
            type: "array",
            description: "the stacks to run, by short name (Pulumi.<stack>.yaml); default: every stack of the project",
            minItems: 1,
            maxItems: 1000,
            uniqueItems: true,
            items: { type: "string", pattern: `^${stackName}$`, maxLength: 100, description: "a stack's short name" },
        },
        yes: { type: "boolean", description: "with up: apply each phase without waiting for POST /v1/runs/{id}/confirm" },
    },
    if: { required: ["operation"], properties: { operation: { const: "up" } } },
    else: { not: { required: ["yes"] }, description: "yes only with operation up: the other operations ask nothing" },
} as const;

export const confirmBody = {
    type: ["object", "null"],
    description: '{"apply"?: true | false, "phase"?: <the phase waiting>}, or no body',
    additionalProperties: false,
    properties: {
        apply: { type: "boolean", description: "true (the default) applies the phase; false declines it, and the run ends" },
        phase: { type: "integer", minimum: 1, description: "the phase meant, as its confirmation-requested event names it" },
    },
} as const;

export interface ConfirmBody {
    apply?: boolean;
    phase?: number;
}

export const runParams = {
    type: "object",
    required: ["id"],
    properties: { id: { type: "string", pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", description: "a run id, as POST /v1/runs answered it" } },
} as const;

export interface RunParams {
    id: string;
}

/** ajv's problem, with the schema it broke (Fastify's ajv runs with `verbose`). */
type Problem = FastifySchemaValidationError & { propertyName?: string; parentSchema?: { description?: string } };

/**
 * Every problem ajv found, in words: `body.files["Pulumi.yaml"] must be string; expected the file's text`. The wrappers
 * of a problem already said (`if`, `propertyNames`) are left out.
 */
export function validationProblems(context: string, problems: readonly Problem[]): string[] {
    return problems.filter((problem) => !["if", "propertyNames"].includes(problem.keyword)).map((problem) => {
        const where = problem.instancePath.split("/").slice(1).map(unescapePointer).reduce((path, key) => `${path}${accessor(key)}`, context);
        const expected = problem.parentSchema?.description;
        if (problem.keyword === "not" && expected) {
            return `${where}: ${expected}`;
        }
        const key = problem.propertyName ?? (problem.params as { additionalProperty?: string }).additionalProperty;
        const allowed = problem.keyword === "enum" ? `: ${((problem.params as { allowedValues: unknown[] }).allowedValues).join(", ")}` : "";
        return `${where}${key === undefined ? "" : ` (key ${JSON.stringify(key)})`} ${problem.message ?? "is not valid"}${allowed}${expected ? `; expected ${expected}` : ""}`;
    });
}

function unescapePointer(segment: string): string {
    return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

function accessor(key: string): string {
    return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : /^[0-9]+$/.test(key) ? `[${key}]` : `[${JSON.stringify(key)}]`;
}
