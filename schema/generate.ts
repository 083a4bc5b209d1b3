// `npm run schema`: writes what is generated from config/schema.ts: the stack files' and the project files' JSON
// Schemas, the config reference tables of docs/configuration.md, and the config declarations of the project files.
import * as fs from "fs";
import * as path from "path";
import { projectFiles, withCurrentDeclarations } from "./projectFile";
import { projectFileSchemaText, projectSchemaFile } from "./projectFileSchema";
import { schemaFile, stackFileSchemaText, withCurrentReference } from "./stackFileSchema";

const projectRoot = path.resolve(__dirname, "..");
const reference = path.join(projectRoot, "docs", "configuration.md");

fs.writeFileSync(path.join(projectRoot, schemaFile), stackFileSchemaText());
fs.writeFileSync(path.join(projectRoot, projectSchemaFile), projectFileSchemaText());
fs.writeFileSync(reference, withCurrentReference(fs.readFileSync(reference, "utf8")));
for (const file of projectFiles) {
    const full = path.join(projectRoot, file);
    fs.writeFileSync(full, withCurrentDeclarations(fs.readFileSync(full, "utf8")));
}
console.log(`Wrote ${schemaFile}, ${projectSchemaFile}, the config reference in docs/configuration.md and the config declarations of ${projectFiles.join(", ")}`);
