/**
 * caisse-export.json (see docs/export.md#the-config-file): its default name and the variable
 * naming it, apart from config.ts so that declaring the commands is cheap (docs/architecture.md).
 */
export const CONFIG_FILE = "caisse-export.json";
/** The environment variable naming the config file when --config is not given. */
export const CONFIG_ENV = "CAISSE_EXPORT_CONFIG";
