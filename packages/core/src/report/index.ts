export * from "./aggregate.js";
export * from "./build.js";
export * from "./dimension.js";
export * from "./labels.js";
export * from "./model.js";
export * from "./period.js";
export * from "./tally.js";
export * from "./margin.js";
