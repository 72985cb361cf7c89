export * from "./names.js";
export * from "./read.js";
export * from "./diff.js";
