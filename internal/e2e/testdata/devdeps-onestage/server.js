// At run time only the production dependency is needed.
const ms = require("ms");
console.log(`one day is ${ms("1d")} ms; ${require("fs").readFileSync(__dirname + "/dist.txt", "utf8").trim()}`);
