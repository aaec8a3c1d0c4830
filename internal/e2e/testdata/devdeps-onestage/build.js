// The "build" uses a dev dependency, as bundlers and compilers are.
const isNumber = require("is-number");
require("fs").writeFileSync("dist.txt", isNumber(5) ? "built\n" : "broken\n");
