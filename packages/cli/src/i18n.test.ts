import { describe, expect, it } from "vitest";
import { systemLocale } from "./context.js";
import { langOfLocale, parseLang, resolveLang } from "./i18n.js";

describe("resolveLang", () => {
  it.each([
    ["fr_FR.UTF-8", "fr"],
    ["fr_CA", "fr"],
    ["FR", "fr"],
    ["fr-FR", "fr"],
    ["fr@euro", "fr"],
    ["C", "en"],
    ["POSIX", "en"],
    ["C.UTF-8", "en"],
    ["en_US.UTF-8", "en"],
    ["de_DE.UTF-8", "en"],
    ["fri", "en"],
  ])("%s is %s", (name, lang) => {
    expect(langOfLocale(name)).toBe(lang);
  });

  it("takes the flag, then the config, then the variables in order, then the system", () => {
    const system = (): string => "fr-FR";
    const env = { LC_ALL: "", LC_MESSAGES: undefined, LC_MONETARY: "en_GB", LANG: "fr_FR" };
    expect(resolveLang({ flag: "en", config: "fr", env: { LANG: "fr_FR" }, system })).toBe("en");
    expect(resolveLang({ config: "fr", env: { LC_ALL: "en_US" }, system })).toBe("fr");
    expect(resolveLang({ env, system })).toBe("en");
    expect(resolveLang({ env: { LC_MESSAGES: "fr_BE", LANG: "en_US" } })).toBe("fr");
    expect(resolveLang({ env: {}, system })).toBe("fr");
    expect(resolveLang({ env: { LANG: "C" }, system })).toBe("en");
    // No system locale given (tests): English, whatever the machine.
    expect(resolveLang({ env: {} })).toBe("en");
  });

  it("--lang accepts fr and en in any case and refuses anything else", () => {
    expect(parseLang(" FR ")).toBe("fr");
    expect(() => parseLang("fr_FR")).toThrow(/--lang must be one of fr, en \(found 'fr_FR'\)/u);
  });

  it("the system's locale is what Intl reports", () => {
    expect(systemLocale()).toBe(Intl.DateTimeFormat().resolvedOptions().locale);
  });
});
