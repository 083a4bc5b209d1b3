// The command line as a process of its own, on a project directory of the test's: `node --require preload
// cliProcess.ts <projectDir> <arguments...>`. Exits with runCli's code; interrupts reach it as they reach `npm run deploy`.
import { onProcessInterrupt, runCli } from "../../automation/cli";

const [projectDir, ...argv] = process.argv.slice(2);
runCli(argv, { projectDir, write: (line) => console.log(line), ask: async () => false, onInterrupt: onProcessInterrupt }).then((code) => {
    process.exitCode = code;
}, (error: Error) => {
    console.error(error.stack);
    process.exitCode = 3;
});
