import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import LiveView from "./views/LiveView.vue";

/** One route per view; all but Live load on first visit (Analytics and Graph bring ECharts). */
export const routes: RouteRecordRaw[] = [
  { path: "/", name: "live", component: LiveView, meta: { title: "Live" } },
  {
    path: "/conversations/:rootId?",
    name: "conversations",
    component: () => import("./views/ConversationsView.vue"),
    meta: { title: "Conversations" },
  },
  {
    path: "/topics",
    name: "topics",
    component: () => import("./views/TopicsView.vue"),
    meta: { title: "Topics" },
  },
  {
    path: "/queues",
    name: "queues",
    component: () => import("./views/QueuesView.vue"),
    meta: { title: "Queues" },
  },
  {
    path: "/schedules",
    name: "schedules",
    component: () => import("./views/SchedulesView.vue"),
    meta: { title: "Schedules" },
  },
  {
    path: "/analytics",
    name: "analytics",
    component: () => import("./views/AnalyticsView.vue"),
    meta: { title: "Analytics" },
  },
  {
    path: "/graph",
    name: "graph",
    component: () => import("./views/GraphView.vue"),
    meta: { title: "Graph" },
  },
  {
    path: "/cluster",
    name: "cluster",
    component: () => import("./views/ClusterView.vue"),
    meta: { title: "Cluster" },
  },
  { path: "/:rest(.*)*", redirect: "/" },
];

export function createAppRouter() {
  const router = createRouter({ history: createWebHistory(), routes });
  router.afterEach((to) => {
    document.title = `${String(to.meta.title ?? "cc2cc")} · cc2cc`;
  });
  return router;
}
