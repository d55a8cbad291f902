import { type InjectionKey, inject, type Ref, ref, watch } from "vue";

export type Theme = "dark" | "light";
const STORAGE_KEY = "cc2cc.theme";

/** Dark or light, remembered per browser (the theme is not a secret, so localStorage is fine). */
export function createTheme(root: HTMLElement = document.documentElement): {
  theme: Ref<Theme>;
  toggle(): void;
} {
  const stored = localStorage.getItem(STORAGE_KEY);
  const prefersLight =
    typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: light)").matches;
  const theme = ref<Theme>(
    stored === "light" || stored === "dark" ? stored : prefersLight ? "light" : "dark",
  );
  const apply = (t: Theme) => {
    root.dataset.theme = t;
    localStorage.setItem(STORAGE_KEY, t);
  };
  apply(theme.value);
  watch(theme, apply);
  return {
    theme,
    toggle: () => {
      theme.value = theme.value === "dark" ? "light" : "dark";
    },
  };
}

export type ThemeState = ReturnType<typeof createTheme>;
export const THEME: InjectionKey<ThemeState> = Symbol("cc2cc-theme");

export function useTheme(): ThemeState {
  const t = inject(THEME);
  if (!t) throw new Error("useTheme() outside the app");
  return t;
}
