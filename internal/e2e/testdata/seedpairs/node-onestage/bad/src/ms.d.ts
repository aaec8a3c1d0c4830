declare module "ms" { const ms: (s: string) => number; export default ms; }
