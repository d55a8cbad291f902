// Preloaded into a hub process (NODE_OPTIONS=--import) to give it a wrong wall clock:
// Date.now(), `new Date()` and `Date()` run CHAOS_CLOCK_SKEW_MS ahead (behind when negative).
// performance.now() and timers are monotonic and stay as they are, as on a machine whose NTP
// is off. Dates built from explicit values are untouched.
const skew = Number(process.env.CHAOS_CLOCK_SKEW_MS ?? "0");
const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);
const skewedNow = (): number => realNow() + skew;

globalThis.Date = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    return Reflect.construct(target, args.length === 0 ? [skewedNow()] : args, newTarget) as object;
  },
  apply() {
    return new RealDate(skewedNow()).toString();
  },
  get(target, prop, receiver) {
    if (prop === "now") return skewedNow;
    return Reflect.get(target, prop, receiver) as unknown;
  },
});
