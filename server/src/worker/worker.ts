// Placeholder until the analysis worker lands (issue 5).
export {};
