#include "app/commands.h"
#include "app/cli.h"
int cmd_certify(int argc, char **argv) { return cli_usage_error("certify: not yet", 0); }
