// First: configures zod before @cc2cc/shared creates its schemas (see the module).
import "./lib/zod-jitless";
import { createApp } from "vue";
import App from "./App.vue";
import { APP, createAppState } from "./app-state";
import { createTheme, THEME } from "./composables/use-theme";
import { sessionKeyStore } from "./lib/session";
import { createAppRouter } from "./router";
import "./styles/theme.css";

const keys = sessionKeyStore();
const state = createAppState(keys);
const app = createApp(App);
app.provide(APP, state);
app.provide(THEME, createTheme());
app.use(createAppRouter());
app.mount("#app");

// A reload of a signed-in tab signs in again with the key this tab already holds.
const held = keys.get();
if (held) void state.signIn(held);
