export { buildProgram, main } from "./cli.js";
export * from "./config.js";
