// Pulumi stack files (`Pulumi.<stack>.yaml`), read into exactly the config the Pulumi CLI passes to the
// program. One reader for the offline plan, the automation driver and the tests.
//
// How the Pulumi CLI reads a stack file (github.com/pulumi/pulumi, sdk/go/common):
// - workspace/loaders.go `LoadProjectStackBytes` decodes the file with gopkg.in/yaml.v2 (encoding/marshal.go;
//   v2.4.0 in sdk/go.mod) into plain Go values, prefixes a key without a namespace with the project's name,
//   encodes that again and decodes it into a `config.Map`;
// - resource/config/value.go `Value.UnmarshalYAML` and object.go `unmarshalObject` / `MarshalString` keep
//   each value as yaml.v2 typed it: a string is passed as it is, a boolean or a number as its JSON text, a
//   list or an object as JSON (Go's encoding/json: keys sorted; object.go prints other keys with %v), and a
//   map whose only key is `secure` is a secret, whose plaintext plaintext.go `marshalText` passes the same way;
// - yaml.v2 calls no unmarshaler for a null, so a top-level null is "" (loaders.go `checkForEmptyConfig`
//   says so); inside a list or an object it stays null.
// What a value becomes therefore depends on how yaml.v2 types each plain scalar: YAML 1.1 booleans (yes,
// no, on, off, y, n...), integers with 0x, 0o, 0b or a leading 0 and with underscores, floats. Quoted and
// block scalars are strings. `resolvePlainScalar` ports yaml.v2's resolve.go; the `yaml` package parses
// (with its failsafe schema, so that every plain scalar reaches that port) and bounds alias expansion.
import * as fs from "fs";
import * as path from "path";
import {
    Document, DocumentOptions, isAlias, isMap, isScalar, isSeq, LineCounter, Node, parseDocument, ParseOptions, ScalarTag, SchemaOptions,
} from "yaml";
import { configNamespace } from "../config";

export interface StackFile {
    /** The stack name: `Pulumi.<stack>.yaml`. */
    stack: string;
    file: string;
    /** Fully qualified keys to the text Pulumi passes to the program (lists and objects as JSON). */
    config: Record<string, string>;
    /** The file's secrets settings, which the CLI writes (`secretsprovider`, `encryptionsalt`). */
    secrets?: { provider?: string; encryptionSalt?: string };
    /**
     * Keys whose value is a secret (`secure:`) that cannot be decrypted offline and that no
     * `CROSS_ACCOUNT_PIPELINE_CONFIG_<key>` variable supplies; they are not in `config`.
     */
    unreadableSecrets?: string[];
    /** The file imports ESC environments (`environment:`), whose values only the Pulumi CLI can add to `config`. */
    importsEnvironments?: true;
    /** Where each key of `config` is written, by fully qualified key: in this file, or in the project file it comes from. */
    sources?: Record<string, ValueSource>;
}

/** Where a key's value is written: the file, its text, and the keys from the document's root to the value, as written there. */
export interface ValueSource {
    file: string;
    text: string;
    /** `["config", "cross-account-pipeline:targets"]`; in a project file, a declaration's `["config", "targets", "value"]`. */
    at: string[];
}

/** A place in a file, as editors and compilers name it: line and column from 1. */
export interface SourcePosition {
    file: string;
    line: number;
    column: number;
}

/** A stack file that cannot be read as Pulumi would read it; the message names the file. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

const stackFileName = /^Pulumi\.(.+)\.ya?ml$/;
/** The `yaml` package's limit on alias expansion, against "billion laughs" files. */
const maxAliasCount = 100;
/** A secret of this program's namespace may be given to the offline plan in this variable plus the key. */
const secretVariablePrefix = "CROSS_ACCOUNT_PIPELINE_CONFIG_";

const unreadable: Record<string, string> = { ENOENT: "no such file", EISDIR: "is a directory", EACCES: "not readable (permission denied)" };

/**
 * The most a stack or project file may hold. They hold config only: the 498-target stack of `npm run bench`, the
 * largest pipeline CodePipeline's 500 actions allow, writes 80 KB, so 1 MiB leaves room for every field of every
 * target spelled out and extra actions besides, and reads in milliseconds. Anything larger is not a stack file
 * (a log, a dump, a device), and reading it whole would only hold the plan up.
 */
export const maxConfigFileBytes = 1024 * 1024;

/** A stack file as the program sees it; secrets of this program's namespace are taken from the environment. */
export function readStackFile(file: string, projectOf: (file: string) => ProjectFile | undefined = projectFileOf): StackFile {
    const text = readConfigFile(file, "a stack file named Pulumi.<stack>.yaml", ` (to plan every stack file in it, name them: ${path.join(file, "Pulumi.*.yaml")})`);
    const project = projectOf(file);
    return withProjectConfig(parseStackFile(file, text, process.env, project?.name), project);
}

/**
 * A stack or project file's text; a StackFileError names the file, what it is and `expected` (`inFolder` is added
 * for a folder). Only a regular file of at most maxConfigFileBytes is read: it is opened without waiting (a named
 * pipe would wait for a writer) and looked at before it is read (a device such as /dev/zero never ends).
 */
function readConfigFile(file: string, expected: string, inFolder = ""): string {
    const refuse = (what: string, hint = "") => new StackFileError(`${file}: ${what}; expected ${expected}${hint}`);
    let descriptor: number;
    try {
        descriptor = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
        const { code, message } = e as NodeJS.ErrnoException;
        throw refuse(unreadable[code ?? ""] ?? `cannot be read (${message})`, code === "EISDIR" ? inFolder : "");
    }
    try {
        const stat = fs.fstatSync(descriptor);
        if (stat.isDirectory()) {
            throw refuse(unreadable.EISDIR, inFolder);
        }
        if (!stat.isFile()) {
            throw refuse(`is ${specialFileKind(stat)}, not a regular file`);
        }
        if (stat.size > maxConfigFileBytes) {
            throw refuse(`is ${stat.size.toLocaleString("en-US")} bytes, more than a config file holds (at most 1 MiB, ${maxConfigFileBytes.toLocaleString("en-US")} bytes)`);
        }
        return fs.readFileSync(descriptor, "utf8");
    } finally {
        fs.closeSync(descriptor);
    }
}

function specialFileKind(stat: fs.Stats): string {
    return stat.isFIFO() ? "a named pipe" : stat.isCharacterDevice() ? "a character device" : stat.isBlockDevice() ? "a block device" : stat.isSocket() ? "a socket" : "a special file";
}

/**
 * A stack file's text as a StackFile; an error names the file and what is wrong with it. A key
 * without a namespace belongs to `projectName` (loaders.go `stackConfigNamespacedWithProject`).
 */
export function parseStackFile(file: string, text: string, environment: NodeJS.ProcessEnv = {}, projectName = configNamespace): StackFile {
    const stack = stackFileName.exec(path.basename(file))?.[1];
    if (!stack) {
        throw new StackFileError(`${file}: not a stack file; expected a name like Pulumi.<stack>.yaml`);
    }
    const source = text.replace(/^\uFEFF/, "");
    const document = yamlValue(file, source);
    const config = configMapping(file, document);
    const provider = topLevel(document, "secretsprovider");
    const encryptionSalt = topLevel(document, "encryptionsalt");
    const sources: Record<string, ValueSource> = {};
    const stackFile: StackFile = {
        stack, file, config: {},
        secrets: { ...(typeof provider === "string" ? { provider } : {}), ...(typeof encryptionSalt === "string" ? { encryptionSalt } : {}) },
        ...(topLevel(document, "environment") !== undefined ? { importsEnvironments: true as const } : {}),
        sources,
    };
    for (const [rawKey, value] of config) {
        const name = goKeyText(file, rawKey);
        const key = name.includes(":") ? name : `${projectName}:${name}`;
        sources[key] = { file, text: source, at: ["config", name] };
        const passed = goValue(`${file}: ${key}`, value);
        if (!containsSecret(passed)) {
            stackFile.config[key] = programText(`${file}: ${key}`, passed);
            continue;
        }
        const supplied = key.startsWith(`${configNamespace}:`) ? environment[secretVariable(key)] : undefined;
        if (supplied !== undefined) {
            stackFile.config[key] = supplied;
        } else {
            stackFile.unreadableSecrets = [...(stackFile.unreadableSecrets ?? []), key];
        }
    }
    return stackFile;
}

/** The environment variable that gives the offline plan the plaintext of a secret of this program's namespace. */
function secretVariable(key: string): string {
    return `${secretVariablePrefix}${key.slice(key.indexOf(":") + 1)}`;
}

/** What the offline plan cannot read of a stack file: a message per secret of a key the program reads. */
export function unreadableSecretProblems(file: StackFile): string[] {
    return (file.unreadableSecrets ?? []).filter((key) => key.startsWith(`${configNamespace}:`)).map((key) =>
        `${file.file}: ${key} is a secret (secure:), which the offline plan cannot decrypt; keep secrets out of the keys ` +
        `this program reads, or give the plan its plaintext (as the program receives it: JSON for a list or an object) ` +
        `in the environment variable ${secretVariable(key)}`);
}

/** The stack files of a project directory, `Pulumi.yaml` excluded, by stack name. */
export function stackFilesIn(directory: string): string[] {
    return fs.readdirSync(directory)
        .filter((f) => stackFileName.test(f))
        .sort()
        .map((f) => path.join(directory, f));
}

/** The program's keys of a stack file, without the namespace, as `parseConfig` takes them. */
export function programKeys(file: StackFile): Record<string, string> {
    const prefix = `${configNamespace}:`;
    return Object.fromEntries(Object.entries(file.config).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

/** The stack a stack reference names (`org/project/stack`, `project/stack` or `stack`): its last part. */
export function referencedStackName(reference: string): string {
    return reference.split("/").pop()!;
}

/** A fully qualified stack name, `<organization>/<project>/<stack>`, in its parts; undefined for anything else. */
export interface QualifiedStackName {
    organization: string;
    project: string;
    stack: string;
}

export function qualifiedStackName(reference: string): QualifiedStackName | undefined {
    const parts = reference.split("/");
    return parts.length === 3 && parts.every((part) => part !== "") ? { organization: parts[0], project: parts[1], stack: parts[2] } : undefined;
}

/** The short name of the stack of project `projectName` that `reference` names fully qualified; undefined for any other. */
export function projectStackName(reference: string, projectName: string): string | undefined {
    const name = qualifiedStackName(reference);
    return name?.project === projectName ? name.stack : undefined;
}

/** What the driver and the plan need from the project file `Pulumi.yaml`. */
export interface ProjectFile {
    /** The project's `name`: the project segment of its fully qualified stack names. */
    name: string;
    /** Project-level config values, fully qualified, as the program receives them (objects as JSON), like `StackFile.config`. */
    config: Record<string, string>;
    /** Where each of those values is written, like `StackFile.sources`. */
    sources: Record<string, ValueSource>;
    /** Where the stack files live (`stackConfigDir`), absolute; the project directory by default. */
    stackConfigDir: string;
    /** `backend.url`: the backend the project asks the Pulumi CLI to use, if any. */
    backendUrl?: string;
    /** `requiredPulumiVersion`, as written (`>=3.252.0`): the oldest Pulumi CLI the project runs with. */
    requiredPulumiVersion?: string;
}

/** Reads `Pulumi.yaml` (or `Pulumi.yml`) of a project directory; an error names the file and what is wrong. */
export function readProjectFile(projectDir: string): ProjectFile {
    const file = projectFilePath(projectDir);
    if (file === undefined) {
        throw new StackFileError(`no Pulumi.yaml in ${projectDir}; expected the directory of a Pulumi project`);
    }
    return parseProjectFile(file, readConfigFile(file, "the project file of a Pulumi project"));
}

/** The project file of a directory, `Pulumi.yaml` or else `Pulumi.yml`; undefined when it has neither. */
function projectFilePath(directory: string): string | undefined {
    return ["Pulumi.yaml", "Pulumi.yml"].map((name) => path.join(directory, name)).find((candidate) => fs.existsSync(candidate));
}

/** A project file's text, read with the same YAML rules as the stack files. */
export function parseProjectFile(file: string, text: string): ProjectFile {
    const source = text.replace(/^\uFEFF/, "");
    const document = yamlValue(file, source);
    const name = topLevel(document, "name");
    if (typeof name !== "string" || name === "") {
        throw new StackFileError(`${file}: name is missing; expected the project's name`);
    }
    const stackConfigDir = topLevel(document, "stackConfigDir");
    const backend = topLevel(document, "backend");
    const backendUrl = backend instanceof Map ? backend.get("url") : undefined;
    const requiredPulumiVersion = topLevel(document, "requiredPulumiVersion");
    return {
        name,
        ...projectConfigValues({ file, text: source, at: ["config"] }, name, topLevel(document, "config") ?? null),
        stackConfigDir: path.resolve(path.dirname(file), typeof stackConfigDir === "string" ? stackConfigDir : "."),
        ...(typeof backendUrl === "string" && backendUrl !== "" ? { backendUrl } : {}),
        ...(typeof requiredPulumiVersion === "string" ? { requiredPulumiVersion } : {}),
    };
}

const declarationFields = ["type", "description", "items", "secret", "default", "value"];

/**
 * The values a project's `config:` block gives every stack, as Pulumi applies them
 * (https://www.pulumi.com/docs/iac/concepts/projects/project-file/#config-options; the CLI's
 * `workspace.ApplyProjectConfig`): a key without a namespace belongs to the project; a plain value
 * is the value, a declaration (a map of only `type`, `description`, `items`, `secret`, `default`,
 * `value`) gives its `default`, else its `value` (both are refused, as the CLI's project.go `Validate` refuses
 * them); a declaration without either gives nothing (the stack must set it). Values reach the program
 * as stack values do.
 */
function projectConfigValues(block: ValueSource, projectName: string, values: Yaml): Pick<ProjectFile, "config" | "sources"> {
    const project: Pick<ProjectFile, "config" | "sources"> = { config: {}, sources: {} };
    if (!(values instanceof Map)) {
        return project;
    }
    const { file } = block;
    for (const [rawKey, declared] of values) {
        const name = goKeyText(file, rawKey);
        const key = name.includes(":") ? name : `${projectName}:${name}`;
        const isDeclaration = declared instanceof Map && [...declared.keys()].every((field) => typeof field === "string" && declarationFields.includes(field));
        const given = (field: string) => isDeclaration && declared.get(field) !== undefined && declared.get(field) !== null;
        if (given("default") && given("value")) {
            const { line, column } = valuePosition({ ...block, at: [...block.at, name] }, []);
            throw new StackFileError(`${file}:${line}:${column}: config ${name} has both a default and a value, which the Pulumi CLI refuses ` +
                `("cannot have both a 'default' and 'value' attribute"); expected one: value: to set it for every stack`);
        }
        const field = !isDeclaration ? undefined : given("default") ? "default" : "value";
        const value = field === undefined ? declared : (declared as Map<Yaml, Yaml>).get(field);
        if (value !== undefined && value !== null) {
            project.config[key] = programText(`${file}: ${key}`, goValue(`${file}: ${key}`, value));
            project.sources[key] = { ...block, at: [...block.at, name, ...(field === undefined ? [] : [field])] };
        }
    }
    return project;
}

/**
 * The project a stack file belongs to, found as the CLI finds a project: the nearest `Pulumi.yaml` at or
 * above the file's folder, provided its stack files (`stackConfigDir`) live in that folder; undefined
 * when there is none (a stack file planned on its own).
 */
export function projectFileOf(stackFile: string): ProjectFile | undefined {
    const folder = path.dirname(path.resolve(stackFile));
    for (let directory = folder; ; directory = path.dirname(directory)) {
        if (projectFilePath(directory) !== undefined) {
            const project = readProjectFile(directory);
            return project.stackConfigDir === folder ? project : undefined;
        }
        if (path.dirname(directory) === directory) {
            return undefined;
        }
    }
}

/**
 * A stack file's config with the project's values under it, as the CLI merges them (a key the stack
 * sets wins: workspace `mergeConfig` in pulumi/pulumi sdk/go/common/workspace/config.go).
 */
export function withProjectConfig(file: StackFile, project: Pick<ProjectFile, "config" | "sources"> | undefined): StackFile {
    return project ? { ...file, config: { ...project.config, ...file.config }, sources: { ...project.sources, ...file.sources } } : file;
}

/**
 * Where the value at `path` inside a key's value (`[0, "accountId"]` of `targets`) is written: its line and column,
 * found as the program's value was made (aliases followed, `<<` merges as goValue merges them); where the file writes
 * no value there (a field left out), the nearest value around it.
 */
export function valuePosition(source: ValueSource, path: readonly (string | number)[]): SourcePosition {
    const lineCounter = new LineCounter();
    const document = parseDocument(source.text, { ...yamlOptions, lineCounter });
    let node = resolvedNode(document, document.contents);
    for (const step of [...source.at, ...path]) {
        const next = isSeq(node) && typeof step === "number" ? node.items[step] : isMap(node) ? valueNodeOf(document, node, String(step)) : undefined;
        if (!next) {
            break;
        }
        node = resolvedNode(document, next);
    }
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    return { file: source.file, line, column: col };
}

function resolvedNode(document: Document, node: unknown): Node | undefined {
    const resolved = isAlias(node) ? node.resolve(document) : node;
    return resolved instanceof Object && "range" in resolved ? resolved as Node : undefined;
}

/** The node that gives `key` its value in a mapping: the last that sets it, through `<<` merges as goValue applies them; for a key without a value, the key. */
function valueNodeOf(document: Document, map: Node, key: string): Node | undefined {
    if (!isMap(map)) {
        return undefined;
    }
    let found: Node | undefined;
    for (const pair of map.items) {
        const written = resolvedNode(document, pair.key);
        if (!isScalar(written)) {
            continue;
        }
        if (written.value instanceof MergeKey) {
            const merged = resolvedNode(document, pair.value);
            for (const source of isSeq(merged) ? [...merged.items].reverse() : [merged]) {
                const mapping = resolvedNode(document, source);
                found = (mapping && valueNodeOf(document, mapping, key)) ?? found;
            }
        } else if (keyText(written.value as Yaml) === key) {
            found = (pair.value as Node | null) ?? written;
        }
    }
    return found;
}

// ---- YAML as yaml.v2 reads it ----

/** What yaml.v2 makes of YAML: scalars typed by `resolvePlainScalar`, mappings as Maps in source order. */
type Yaml = null | boolean | bigint | number | string | MergeKey | Uint8Array | Yaml[] | Map<Yaml, Yaml>;

/** A plain `<<` key: yaml.v2 merges the mapping(s) it names (decode.go `merge`). A fresh one per key keeps every merge. */
class MergeKey {}

function yamlValue(file: string, text: string): Yaml {
    const document = parseDocument(text, yamlOptions);
    const [error] = document.errors;
    if (error) {
        throw new StackFileError(`${file}: not valid YAML (${error.message.split("\n")[0].replace(/:$/, "")})`);
    }
    try {
        return document.toJS({ mapAsMap: true, maxAliasCount }) as Yaml;
    } catch (e) {
        if (/Excessive alias count/.test((e as Error).message)) {
            throw new StackFileError(`${file}: its YAML aliases expand beyond the limit (anchors used inside anchors, used again: maxAliasCount ${maxAliasCount}), as in a "billion laughs" attack; expected a stack file that writes its values out`);
        }
        throw new StackFileError(`${file}: not valid YAML (${(e as Error).message})`);
    }
}

/** A top-level key's value (the last one, as yaml.v2 keeps it); undefined when the document has none. */
function topLevel(document: Yaml, key: string): Yaml | undefined {
    return document instanceof Map ? [...document].filter(([k]) => k === key).map(([, value]) => value).pop() : undefined;
}

function configMapping(file: string, document: Yaml): Map<Yaml, Yaml> {
    if (document === null) {
        return new Map();
    }
    if (!(document instanceof Map)) {
        throw new StackFileError(`${file}: not a stack file; expected a YAML mapping with a config: key`);
    }
    const config = topLevel(document, "config") ?? null;
    if (config !== null && !(config instanceof Map)) {
        throw new StackFileError(`${file}: config: is not a mapping; expected keys like cross-account-pipeline:region with their values`);
    }
    return config ?? new Map();
}

// yaml.v2 resolve.go: the values a plain scalar may stand for, looked up before anything else.
const resolveMap = new Map<string, Yaml>([
    ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map((s): [string, Yaml] => [s, true]),
    ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map((s): [string, Yaml] => [s, false]),
    ...["", "~", "null", "Null", "NULL"].map((s): [string, Yaml] => [s, null]),
    ...[".nan", ".NaN", ".NAN"].map((s): [string, Yaml] => [s, NaN]),
    ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((s): [string, Yaml] => [s, Infinity]),
    ...["-.inf", "-.Inf", "-.INF"].map((s): [string, Yaml] => [s, -Infinity]),
]);
const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const maxUint64 = 2n ** 64n - 1n;
const minInt64 = -(2n ** 63n);
const maxInt64 = 2n ** 63n - 1n;

/**
 * What yaml.v2 (resolve.go `resolve`, v2.4.0) decodes an untagged plain scalar to. Timestamps are left
 * out: decoded into interface{} they stay the text as written (decode.go `scalar`), as here.
 */
function resolvePlainScalar(text: string): Yaml {
    if (text === "<<") {
        return new MergeKey();
    }
    const hint = text === "" ? "N" : /[-+0-9]/.test(text[0]) ? "D" : /[yYnNtTfFoO~]/.test(text[0]) ? "M" : text[0] === "." ? "." : undefined;
    if (!hint) {
        return text;
    }
    if (resolveMap.has(text)) {
        return resolveMap.get(text)!;
    }
    if (hint === "." && /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) && Number.isFinite(Number(text))) {
        return Number(text);
    }
    if (hint === "D") {
        const plain = text.replace(/_/g, "");
        const integer = goParseInt(plain) ?? goParseUint(plain);
        if (integer !== undefined) {
            return integer;
        }
        // Go's strconv.ParseFloat rounds like Number(); a float out of range is an error there.
        if (yamlStyleFloat.test(plain) && Number.isFinite(Number(plain))) {
            return Number(plain);
        }
        // resolve.go's own 0b/-0b branches follow; Go 1.13's base prefixes already parsed those above.
    }
    return text;
}

/** strconv.ParseUint(s, 0, 64): 0x, 0o, 0b or a leading 0 choose the base. */
function goParseUint(s: string): bigint | undefined {
    let base = 10;
    let digits = s;
    if (s.length > 1 && s[0] === "0") {
        const prefix = s.length >= 3 ? ({ b: 2, o: 8, x: 16 } as Record<string, number>)[s[1].toLowerCase()] : undefined;
        base = prefix ?? 8;
        digits = s.slice(prefix ? 2 : 1);
    }
    if (s === "" || ![...digits].every((c) => /[0-9a-zA-Z]/.test(c) && parseInt(c, 36) < base)) {
        return undefined;
    }
    const value = [...digits].reduce((n, c) => n * BigInt(base) + BigInt(parseInt(c, 36)), 0n);
    return value <= maxUint64 ? value : undefined;
}

/** strconv.ParseInt(s, 0, 64): an optional sign, then ParseUint, within int64. */
function goParseInt(s: string): bigint | undefined {
    const negative = s.startsWith("-");
    const magnitude = goParseUint(/^[-+]/.test(s) ? s.slice(1) : s);
    const value = magnitude === undefined ? undefined : negative ? -magnitude : magnitude;
    return value !== undefined && value >= minInt64 && value <= maxInt64 ? value : undefined;
}

/** Every untagged plain scalar, resolved as yaml.v2 does; quoted and block scalars stay strings (failsafe). */
const plainScalar: ScalarTag = {
    tag: "tag:cross-account-pipeline,2025:yaml-v2-plain",
    default: true,
    test: /^[\s\S]*$/,
    resolve: (text: string) => resolvePlainScalar(text) as unknown as string,
};

/** Explicitly tagged scalars: yaml.v2 resolves them the same way and refuses a value of another type. */
const typedScalars: ScalarTag[] = (["bool", "int", "float", "null"] as const).map((type) => ({
    tag: `tag:yaml.org,2002:${type}`,
    resolve: (text: string, onError: (message: string) => void) => {
        const value = resolvePlainScalar(text);
        const actual = value === null ? "null" : typeof value === "boolean" ? "bool" : typeof value === "bigint" ? "int" : typeof value === "number" ? "float" : "str";
        if (actual !== type && !(type === "float" && actual === "int")) {
            onError(`cannot decode !!${actual} \`${text}\` as a !!${type}`);
        }
        return (type === "float" && typeof value === "bigint" ? Number(value) : value) as unknown as string;
    },
}));

/** How every stack and project file is parsed: each plain scalar left to `plainScalar`, merges and duplicate keys as yaml.v2 has them. */
const yamlOptions: ParseOptions & DocumentOptions & SchemaOptions = { schema: "failsafe", customTags: [plainScalar, ...typedScalars], merge: false, uniqueKeys: false };

// ---- the text the program receives ----

/** A `{secure: <ciphertext>}` value: the CLI decrypts it before the program runs. */
class Secret {
    constructor(readonly ciphertext: string) {}
}

/** A value as Go holds it after object.go `unmarshalObject`: maps keyed by their %v text. */
type GoValue = null | boolean | bigint | number | string | Secret | GoValue[] | Map<string, GoValue>;

function goValue(where: string, value: Yaml): GoValue {
    if (value instanceof MergeKey) {
        return "<<";
    }
    if (value instanceof Uint8Array) {
        return Buffer.from(value).toString("utf8");
    }
    if (Array.isArray(value)) {
        return value.map((item) => goValue(where, item));
    }
    if (!(value instanceof Map)) {
        return value;
    }
    const map = new Map<string, GoValue>();
    for (const [key, item] of value) {
        if (key instanceof MergeKey) {
            // decode.go `merge`: a mapping, or a list of mappings of which the earlier ones win; keys set before are overwritten.
            const sources = Array.isArray(item) ? [...item].reverse() : [item];
            for (const source of sources) {
                if (!(source instanceof Map)) {
                    throw new StackFileError(`${where}: a << merge key needs a mapping or a list of mappings`);
                }
                for (const [mergedKey, mergedValue] of goValue(where, source) as Map<string, GoValue>) {
                    map.set(mergedKey, mergedValue);
                }
            }
        } else {
            map.set(goKeyText(where, key), goValue(where, item));
        }
    }
    // object.go `isSecureValue`: a map whose only key is "secure", with a string value.
    const secure = map.get("secure");
    return map.size === 1 && typeof secure === "string" ? new Secret(secure) : map;
}

function containsSecret(value: GoValue): boolean {
    return value instanceof Secret || (Array.isArray(value) && value.some(containsSecret))
        || (value instanceof Map && [...value.values()].some(containsSecret));
}

/** A map key as object.go prints it: fmt.Sprintf("%v", key). */
function goKeyText(where: string, key: Yaml): string {
    const text = keyText(key);
    if (text === undefined) {
        throw new StackFileError(`${where}: a key that is a list, a mapping or binary data cannot be read; expected a plain key`);
    }
    return text;
}

/** fmt.Sprintf("%v", key) of a scalar key; undefined for a key that is a list, a mapping or binary data. */
function keyText(key: Yaml): string | undefined {
    if (typeof key === "string") {
        return key;
    }
    if (key === null) {
        return "<nil>";
    }
    if (typeof key === "boolean" || typeof key === "bigint") {
        return String(key);
    }
    return typeof key === "number" ? goFloatText(key) : undefined;
}

/** %v of a float64: strconv.FormatFloat(f, 'g', -1, 64), exponent form from 1e+06 and below 1e-04. */
function goFloatText(f: number): string {
    if (!Number.isFinite(f)) {
        return Number.isNaN(f) ? "NaN" : f > 0 ? "+Inf" : "-Inf";
    }
    const [mantissa, exponent] = f.toExponential().split("e");
    const power = Number(exponent);
    if (power < -4 || power >= 6) {
        return `${mantissa}e${power < 0 ? "-" : "+"}${String(Math.abs(power)).padStart(2, "0")}`;
    }
    return Object.is(f, -0) ? "-0" : String(f);
}

/** plaintext.go `marshalText`: a string as it is, "" for a top-level null, anything else as Go's JSON. */
function programText(where: string, value: GoValue): string {
    return typeof value === "string" ? value : value === null ? "" : goJson(where, value);
}

/** encoding/json: keys sorted by their bytes; a float as Go prints it, which is how Number#toString prints it. */
function goJson(where: string, value: GoValue): string {
    if (value === null || typeof value === "boolean" || typeof value === "bigint") {
        return String(value);
    }
    if (typeof value === "number") {
        if (!Number.isFinite(value)) {
            throw new StackFileError(`${where}: ${goFloatText(value)} cannot be passed to the program (Pulumi's JSON encoder refuses NaN and infinities); expected a finite number`);
        }
        return Object.is(value, -0) ? "-0" : String(value);
    }
    if (typeof value === "string") {
        return JSON.stringify(value);
    }
    if (Array.isArray(value)) {
        return `[${value.map((item) => goJson(where, item)).join(",")}]`;
    }
    if (value instanceof Map) {
        const keys = [...value.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        return `{${keys.map((key) => `${JSON.stringify(key)}:${goJson(where, value.get(key)!)}`).join(",")}}`;
    }
    throw new StackFileError(`${where}: a secret inside a value reached the JSON encoder`);
}
