// How the offline plan's process starts (`node --require ./offline-plan/preload.js offline-plan/cli.ts`,
// see package.json): what it loads first so that it starts and runs fast. Plain JavaScript: it is what
// makes the project's TypeScript loadable. Nothing here changes what the plan computes; `pulumi up`
// never loads it.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");

const projectRoot = path.resolve(__dirname, "..");

/**
 * The project's `.ts` files, transpiled by esbuild (`tsc --noEmit` type-checks them in `npm test`), each
 * kept in `node_modules/.cache/` under a hash of its text, the transpiler's version and options, and
 * tsconfig.json: a later run reads the JavaScript back and does not even load esbuild. Not ts-node: it
 * installs source-map-support, which maps every stack trace the Pulumi runtime captures (one per
 * promise and per resource: tens of thousands per plan) and made a third of the plan's time. Stack
 * traces show positions in the transpiled code; with `NODE_OPTIONS=--enable-source-maps` each file
 * carries its source map and they show TypeScript positions. A hand-written hook, not
 * esbuild-register, which installs source-map-support too.
 */
function transpileTypeScript() {
    const cacheDir = path.join(projectRoot, "node_modules", ".cache", "cross-account-pipeline-plan");
    const tsconfigRaw = fs.readFileSync(path.join(projectRoot, "tsconfig.json"), "utf8");
    const options = (filename) => ({
        loader: "ts", format: "cjs", target: `node${process.versions.node.split(".")[0]}`, sourcefile: filename, tsconfigRaw,
        sourcemap: process.sourceMapsEnabled ? "inline" : false,
    });
    const version = require("esbuild/package.json").version;
    // The program's modules are loaded again for each stack the plan evaluates: read and hashed once.
    const loaded = new Map();
    const transpile = (filename) => {
        const source = fs.readFileSync(filename, "utf8");
        const key = crypto.createHash("sha256").update(JSON.stringify([version, options(filename)])).update(source).digest("hex");
        const cached = path.join(cacheDir, `${key}.js`);
        try {
            return fs.readFileSync(cached, "utf8");
        } catch {
            const { code } = require("esbuild").transformSync(source, options(filename));
            try {
                // Written whole, then renamed: another plan running at the same time never reads half a file.
                fs.mkdirSync(cacheDir, { recursive: true });
                fs.writeFileSync(`${cached}.${process.pid}`, code);
                fs.renameSync(`${cached}.${process.pid}`, cached);
            } catch {
                // A cache that cannot be written only costs the next run the transpiling.
            }
            return code;
        }
    };
    require.extensions[".ts"] = (module, filename) => {
        let code = loaded.get(filename);
        if (code === undefined) {
            code = transpile(filename);
            loaded.set(filename, code);
        }
        module._compile(code, filename);
    };
}

/**
 * The Pulumi SDK's function serializer and code-path finder (for dynamic providers and callbacks:
 * serializing a JavaScript function to run in the cloud) load the TypeScript compiler and
 * @npmcli/arborist when `@pulumi/pulumi` is loaded: over a second, for code the plan never calls.
 * Each of these modules is put in the module cache as a stand-in whose functions load the real module
 * on their first call and forward to it. `tests/preload.test.ts` checks the names against the real
 * modules, and serializes a function through the stand-ins.
 */
const deferredModules = {
    "@pulumi/pulumi/runtime/closure/serializeClosure.js": ["serializeFunction", "serializeFunctionAsync"],
    "@pulumi/pulumi/runtime/closure/codePaths.js": ["computeCodePaths", "findWorkspaceRoot", "packageArchivePath"],
};

function deferModule(request, names) {
    const file = require.resolve(request, { paths: [projectRoot] });
    let real;
    const load = () => {
        if (!real) {
            delete require.cache[file];
            real = require(file);
        }
        return real;
    };
    const standIn = new Module(file, module);
    standIn.filename = file;
    standIn.loaded = true;
    Object.defineProperty(standIn.exports, "__esModule", { value: true });
    for (const name of names) {
        standIn.exports[name] = function (...args) {
            return load()[name].apply(this, args);
        };
    }
    require.cache[file] = standIn;
}

/**
 * `String.prototype.localeCompare` with locales or options, answered by one `Intl.Collator` per distinct
 * locales and options instead of a new one per call. V8 builds an ICU collator on each such call (about
 * 17 µs), and the IAM evaluator compares that way several times per statement for every check (condition
 * operators, ARN characters): 13 s of a 100-target plan. The result is the same: ECMA-402 defines
 * localeCompare as constructing an Intl.Collator with these arguments and comparing with it
 * (https://tc39.es/ecma402/#sup-String.prototype.localeCompare). Anything but string operands, a
 * string or no locale, and options of strings and booleans goes to the original.
 */
function reuseCollators() {
    const localeCompare = String.prototype.localeCompare;
    const collatorOptions = ["usage", "localeMatcher", "collation", "numeric", "caseFirst", "sensitivity", "ignorePunctuation"];
    const sensitivities = new Set(["base", "accent", "case", "variant"]);
    // By locales, then by options: a valid sensitivity alone, or a string of every option's type and value.
    const collators = new Map();
    String.prototype.localeCompare = function (that, locales, options) {
        if (typeof this !== "string" || typeof that !== "string" || !(locales === undefined || typeof locales === "string") || typeof options !== "object" || options === null) {
            return localeCompare.call(this, that, locales, options);
        }
        let byOptions = collators.get(locales);
        if (byOptions === undefined) {
            byOptions = new Map();
            collators.set(locales, byOptions);
        }
        // The usual options, a sensitivity alone, are looked up without building a key.
        const { sensitivity } = options;
        let key = sensitivity;
        if (!sensitivities.has(sensitivity) || options.usage !== undefined || options.localeMatcher !== undefined || options.collation !== undefined
            || options.numeric !== undefined || options.caseFirst !== undefined || options.ignorePunctuation !== undefined) {
            key = "";
            for (const name of collatorOptions) {
                const value = options[name];
                if (!(value === undefined || typeof value === "string" || typeof value === "boolean")) {
                    return localeCompare.call(this, that, locales, options);
                }
                key += `\0${typeof value}\0${value}`;
            }
        }
        let collator = byOptions.get(key);
        if (collator === undefined) {
            collator = new Intl.Collator(locales, options);
            byOptions.set(key, collator);
        }
        return collator.compare(this, that);
    };
}

/**
 * V8's code cache, kept on disk (`module.enableCompileCache`, Node 22.1 and later) in `node_modules/.cache/`: each
 * module's compiled code is read back on later runs instead of compiling its source again (the Pulumi SDK, the AWS
 * modules, zod, the IAM evaluator and its data: some 60 ms of the shipped plan's start, and of its worker thread's). Node
 * keys each entry by the module's file and a hash of its text, and compiles afresh when either changed; a cache that
 * cannot be written only costs the next run the compiling. `NODE_DISABLE_COMPILE_CACHE=1` turns it off.
 */
function cacheCompiledCode() {
    Module.enableCompileCache?.(path.join(projectRoot, "node_modules", ".cache", "cross-account-pipeline-compile"));
}

cacheCompiledCode();
transpileTypeScript();
for (const [request, names] of Object.entries(deferredModules)) {
    deferModule(request, names);
}
reuseCollators();
module.exports = { deferredModules };
