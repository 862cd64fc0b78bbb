/** Where the browser tests and the screenshot script find chromium: Debian's, unless BATON_CHROMIUM says. */
export const CHROMIUM_PATH = process.env.BATON_CHROMIUM ?? "/usr/bin/chromium";
