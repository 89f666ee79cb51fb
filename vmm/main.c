// SPDX-License-Identifier: GPL-2.0
/*
 * vmm: parse the command line, build the VM, run it, exit with its status.
 */
#include <malloc.h>
#include <stdio.h>

#include "vmm/config.h"
#include "vmm/probe.h"
#include "vmm/resources.h"
#include "vmm/run_loop.h"
#include "vmm/timeline.h"
#include "vmm/vm.h"

#define VMM_VERSION "0.1"

int main(int argc, char **argv)
{
	char err[CONFIG_ERR_LEN];
	struct resources_probe probe = { .fd_dir = -1, .status = -1 };
	struct vm_config cfg;
	struct vm *vm;
	int status;

	timeline_mark(TIMELINE_MAIN);
	/*
	 * One malloc arena for every thread: nothing allocates on a hot path
	 * (vCPU exits, device requests), and an arena per thread costs each
	 * one tens of KiB of touched pages (docs/benchmarks.md, footprint).
	 * Before any thread starts; a no-op where malloc is not glibc's.
	 */
	mallopt(M_ARENA_MAX, 1);
	if (config_parse(argc, argv, &cfg, err, sizeof(err))) {
		fprintf(stderr, "vmm: %s\n", err);
		return VM_EXIT_USAGE;
	}
	if (cfg.action == CONFIG_HELP) {
		fputs(config_usage(), stdout);
		return 0;
	}
	if (cfg.action == CONFIG_PROBE)
		return vmm_probe(stdout);
	if (cfg.action == CONFIG_VERSION) {
		printf("vmm %s\n", VMM_VERSION);
		return 0;
	}
	if (vm_create(&cfg, &vm, err, sizeof(err))) {
		fprintf(stderr, "vmm: %s\n", err);
		return VM_EXIT_USAGE;
	}
	if (cfg.stats)
		resources_open(&probe);	/* before vm_run's seccomp filter */
	status = vm_run(vm);
	vm_destroy(vm);
	if (cfg.stats)
		resources_report(&probe, stderr);	/* the last line */
	return status;
}
