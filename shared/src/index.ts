export * from "./errors.js";
export * from "./events.js";
export * from "./ids.js";
export * from "./instance.js";
export * from "./limits.js";
export * from "./message.js";
export * from "./protocol.js";
export * from "./rest.js";
