export * from "./context.js";
export * from "./exit.js";
export * from "./logger.js";
export * from "./output.js";
export * from "./run.js";
export * from "./table.js";
export * from "./flags.js";
export * from "./config.js";
