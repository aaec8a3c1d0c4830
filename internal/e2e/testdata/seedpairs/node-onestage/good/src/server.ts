import ms from "ms";
console.log(`one day is ${ms("1d")} ms`);
