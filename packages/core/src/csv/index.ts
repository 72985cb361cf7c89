export * from "./types.js";
export * from "./read.js";
export { csvHintIn, csvReasonIn } from "./reasonIn.js";
