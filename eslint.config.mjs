// `npm run lint`: typescript-eslint's recommended rules, the type-aware rules that catch what the compiler lets
// through (a promise nobody awaits, a promise where a callback's result is ignored), and @pulumi/eslint-plugin's
// rules against an Output in a template literal (its text would be "Calling [toString] on an [Output<T>]..." in AWS).
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    {
        ignores: ["node_modules/", "**/node_modules/", "dist/", "bin/", "plan/", "policy-pack/bin/", "benchmarks/cdk-reference/", ".service-runs/"],
    },
    js.configs.recommended,
    {
        rules: {
            // `const { omitted: _, ...rest } = value` leaves a property out; an `_`-prefixed parameter is required by a signature.
            "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
        },
    },
    {
        files: ["**/*.js", "**/*.mjs"],
        languageOptions: { globals: globals.node },
    },
    {
        files: ["**/*.ts"],
        extends: [tseslint.configs.recommended],
        plugins: { "@pulumi": pulumi },
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-misused-promises": "error",
            "@typescript-eslint/await-thenable": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
            // The SDKs' internal modules have no type declarations: required and cast where read, deliberately.
            "@typescript-eslint/no-require-imports": ["error", { allow: ["^@pulumi/pulumi/(runtime|automation|output|errors)/?", "^@pulumi/policy/proxy$"] }],
        },
    },
);
