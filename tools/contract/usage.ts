// How a partner site uses the generated types: compiles only if the document keeps the
// operations, schemas, enums and webhook payloads this code relies on.
import type { components, operations, webhooks } from "./generated/gigmarket";

type Schemas = components["schemas"];

type JobCreate = Schemas["JobCreate"];
type JobOut = Schemas["JobOut"];
type JobPage = operations["jobs_list"]["responses"][200]["content"]["application/json"];
type Problem = Schemas["Problem"];

export const newJob: JobCreate = {
  title: "解放碑商场周末保洁",
  description: "负责商场公共区域日常清洁，提供工具和午餐。",
  employment_type: "temporary",
  skills: ["保洁"],
  headcount: 2,
  location: { lat: 29.563, lng: 106.5516, address: "渝中区解放碑步行街8号", district_code: "500103" },
  starts_at: "2026-12-05T01:00:00Z",
  ends_at: "2026-12-05T09:00:00Z",
  wage: { amount: 2500, unit: "hour", settlement: "daily" },
};

export function openTitles(page: JobPage): string[] {
  const open: JobOut[] = page.items.filter((job) => job.status === "open");
  return open.map((job) => `${job.title} (${job.wage.amount / 100} 元/${job.wage.unit})`);
}

export function explain(problem: Problem): string {
  return `${problem.status} ${problem.title}: ${problem.detail}`;
}

// The CSV twin answers text, not JSON.
export type OverviewCsv =
  operations["stats_overview_csv"]["responses"][200]["content"]["text/csv"];
export const csv: OverviewCsv = "metric,key,value\r\n";

// Webhook payloads: the envelope with the type's own data.
type JobCreatedBody =
  NonNullable<webhooks["job.created"]["post"]["requestBody"]>["content"]["application/json"];

export function onJobCreated(body: JobCreatedBody): number {
  const data: Schemas["JobEventData"] = body.data;
  return data.headcount;
}

export const types: Schemas["EventOut"]["type"][] = ["job.created", "wage.overdue"];
