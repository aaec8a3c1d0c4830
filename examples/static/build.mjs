// Builds the site: every content/*.md page becomes dist/<name>.html, rendered
// by marked and wrapped in layout.html; style.css is copied alongside.
import { copyFile, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { marked } from "marked";

const layout = await readFile("layout.html", "utf8");
await mkdir("dist", { recursive: true });

for (const file of (await readdir("content")).filter((f) => f.endsWith(".md")).sort()) {
  const source = await readFile(`content/${file}`, "utf8");
  const title = (source.match(/^# (.+)$/m) || [null, file])[1];
  const page = layout
    .replace("{{title}}", () => title)
    .replace("{{content}}", () => marked.parse(source));
  const out = `dist/${file.replace(/\.md$/, ".html")}`;
  await writeFile(out, page);
  console.log(`built ${out}`);
}
await copyFile("style.css", "dist/style.css");
