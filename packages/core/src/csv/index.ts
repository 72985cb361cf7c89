export * from "./types.js";
export * from "./read.js";
export { csvReasonIn } from "./reasonIn.js";
