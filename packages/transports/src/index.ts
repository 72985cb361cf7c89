export * from "./types.js";
export * from "./sender.js";
export * from "./dir/sender.js";
export * from "./dir/source.js";
