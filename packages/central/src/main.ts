#!/usr/bin/env node
import { limitOldGeneration, limitYoungGeneration } from "@caisse/cli/start";
import { main } from "./cli.js";

limitYoungGeneration();
limitOldGeneration();
process.exitCode = await main(process.argv.slice(2));
