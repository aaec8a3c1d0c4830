// A tiny Express API: a health check, a greeting and an in-memory todo list.
const express = require("express");

const app = express();
app.use(express.json());

const todos = [];

app.get("/healthz", (req, res) => res.json({ status: "ok" }));

app.get("/hello/:name", (req, res) => res.type("text").send(`Hello, ${req.params.name}!`));

app.get("/todos", (req, res) => res.json(todos));

app.post("/todos", (req, res) => {
  const title = String((req.body && req.body.title) || "").trim();
  if (!title) return res.status(400).json({ error: "a todo needs a non-empty title" });
  const todo = { id: todos.length + 1, title, done: false };
  todos.push(todo);
  res.status(201).json(todo);
});

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || "0.0.0.0";
app.listen(port, host, () => console.log(`listening on ${host}:${port}`));
