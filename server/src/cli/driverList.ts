// The driver ids `--driver` accepts and `--matrix` iterates. The profiles themselves are data in
// server/src/core/drivers (issue 6); until they are in this build this answers undefined and the
// CLI validates driver names by syntax only.
export function driverIds(): readonly string[] | undefined {
  return undefined;
}
