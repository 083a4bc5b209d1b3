// What `npm ci` does after installing (package.json `postinstall`): patch the IAM policy evaluator the
// offline plan uses (patches/, applied by patch-package) and install and build the policy pack
// (policy-pack/). Both need devDependencies: with `npm ci --omit=dev`, on a machine that only runs
// `pulumi up`, neither the patched packages nor the tools are installed, so both steps are skipped,
// and this says so. Plain JavaScript: it runs before anything could compile TypeScript.
"use strict";
const { execSync } = require("child_process");

function installed(name) {
    try {
        require.resolve(`${name}/package.json`);
        return true;
    } catch {
        return false;
    }
}

// Installed as another project's dependency (its node_modules): the package ships built (dist/), and neither the
// evaluator's patches nor the policy pack are any of that project's business.
if (__dirname.split(require("path").sep).includes("node_modules")) {
    process.exit(0);
}
if (!installed("patch-package")) {
    console.log("postinstall: devDependencies are not installed (npm ci --omit=dev): the program runs with `pulumi up`; " +
        "the offline plan, the tests, the policy pack's build and `npm run deploy` need a full `npm ci`");
    process.exit(0);
}
execSync("patch-package --error-on-fail", { stdio: "inherit" });
execSync("npm ci && npm run build", { stdio: "inherit", cwd: require("path").join(__dirname, "..", "policy-pack") });
