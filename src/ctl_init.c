/*
 * ctl_init: shukherctl init, a new database for a new installation.
 *
 * shukherd creates its database by itself only on the first start, where
 * none ever was. Everywhere else a missing database is an error to look
 * into (restore a backup), and this command is the one deliberate way to
 * start afresh: it creates an empty database where no file is, and never
 * over one, not even an empty file. Run as root, the file goes to the
 * owner of its directory, the service's user.
 */
#include <stdio.h>

#include "conf.h"
#include "ctl.h"
#include "exitcode.h"
#include "json.h"
#include "store.h"

int
ctl_init(struct ctl *ctl, struct ctl_args *args)
{
	enum store_fault fault;
	char err[768];
	int rc;

	(void)args;
	if ((rc = ctl_find_db(ctl)) != EXIT_OK)
		return rc;
	if (store_create(ctl->db_path, &fault, err, sizeof(err)) == -1) {
		if (fault == STORE_FAULT_EXISTS)
			ctl_err("database %s: exists; init never replaces a "
			    "file (remove it first if it holds nothing to "
			    "keep)", ctl->db_path);
		else
			ctl_err("database %s", err);
		return store_fault_exit(fault);
	}
	/* Opened once as shukherd would, which leaves the marker. */
	if ((ctl->store = store_open_fault(ctl->db_path, STORE_MARK, &fault,
	    err, sizeof(err))) == NULL) {
		ctl_err("database %s", err);
		return store_fault_exit(fault);
	}
	if (ctl->json != NULL) {
		json_object_begin(ctl->json);
		json_kv_string(ctl->json, "database", ctl->db_path);
		json_kv_bool(ctl->json, "created", 1);
		json_kv_int(ctl->json, "schema", store_schema_version());
		json_object_end(ctl->json);
	} else {
		fprintf(ctl->out, "created %s (schema %d)\n", ctl->db_path,
		    store_schema_version());
	}
	return EXIT_OK;
}
