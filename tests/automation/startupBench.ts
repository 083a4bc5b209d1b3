// How long the driver takes to start at scale, on the real Automation API against the fake Pulumi CLI
// (fakePulumi/pulumi.js): a pipeline stack and N target stacks that all exist in the backend, one of them importing
// an ESC environment. Startup is from the call to the moment the phases are planned (the `planned` event), when
// the first stack could start; the run is then cancelled, so nothing else is measured. Prints its figures; asserts
// nothing (tests/automation has the assertions).
//
//     npm run bench:driver -- [--stacks 250] [--runs 3]

import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { preview } from "../../automation";
import { PROJECT, withFakeCli } from "./fakePulumi/fakeCli";

const { values } = parseArgs({ options: { stacks: { type: "string", default: "250" }, runs: { type: "string", default: "3" } } });
const targetCount = Number(values.stacks);
const runs = Number(values.runs);

function stackFiles(): Record<string, string> {
    const targets = Array.from({ length: targetCount }, (_, i) => `t${i + 1}`);
    const files: Record<string, string> = {
        "Pulumi.pipeline.yaml":
            `environment:\n  - pipeline-settings\nconfig:\n  ${PROJECT}:deploy: pipeline\n  ${PROJECT}:targets:\n` +
            targets.map((name) => `    - name: ${name}\n      stack: organization/${PROJECT}/${name}\n`).join(""),
    };
    for (const name of targets) {
        files[`Pulumi.${name}.yaml`] = `config:\n  ${PROJECT}:deploy: target\n  ${PROJECT}:target: ${name}\n`;
    }
    return files;
}

async function startup(): Promise<{ seconds: number; commands: Record<string, number> }> {
    return withFakeCli(
        stackFiles(),
        async (cli) => {
            const stacksDir = path.join(cli.stateDir, ".pulumi", "stacks", PROJECT);
            fs.mkdirSync(stacksDir, { recursive: true });
            for (const stack of ["pipeline", ...Array.from({ length: targetCount }, (_, i) => `t${i + 1}`)]) {
                fs.writeFileSync(path.join(stacksDir, `${stack}.json`), JSON.stringify({ secretsProvider: "passphrase", resources: [], outputs: {}, history: [] }));
            }
            const cancel = new AbortController();
            const started = Date.now();
            let planned = 0;
            await preview({
                projectDir: cli.projectDir,
                backendUrl: cli.stateUrl,
                passphrase: "p",
                signal: cancel.signal,
                onEvent: (event) => {
                    if (event.type === "planned") {
                        planned = Date.now();
                        cancel.abort();
                    }
                },
            });
            const commands: Record<string, number> = {};
            for (const call of cli.invocations()) {
                commands[call.command] = (commands[call.command] ?? 0) + 1;
            }
            return { seconds: (planned - started) / 1000, commands };
        },
    );
}

async function main(): Promise<void> {
    const results = [];
    for (let run = 0; run < runs; run++) {
        results.push(await startup());
    }
    const seconds = results.map((result) => result.seconds).sort((a, b) => a - b);
    console.log(`driver startup, ${targetCount + 1} existing stacks (1 importing an ESC environment), fake Pulumi CLI, ${runs} runs`);
    console.log(`  seconds to the planned phases: median ${seconds[Math.floor(seconds.length / 2)].toFixed(2)}, min ${seconds[0].toFixed(2)}, max ${seconds[seconds.length - 1].toFixed(2)}`);
    console.log(`  Pulumi CLI commands before the first stack: ${Object.entries(results[0].commands).map(([command, count]) => `${command} ×${count}`).join(", ")}`);
}

void main();
