#!/usr/bin/env node
import { limitYoungGeneration } from "@caisse/cli/start";
import { main } from "./cli.js";

limitYoungGeneration();
process.exitCode = await main(process.argv.slice(2));
