import { config } from "zod";

/*
 * Imported first by main.ts, before @cc2cc/shared builds its schemas: zod probes for eval
 * (`new Function("")`) when an object schema is created, and the hub's CSP (no 'unsafe-eval')
 * reports that probe as a violation even though zod catches the refusal. The dashboard parses
 * nothing with zod in the browser, so its JIT is not missed.
 */
config({ jitless: true });
