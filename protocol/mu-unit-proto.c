/* SPDX-License-Identifier: Apache-2.0 */
#include "mu-unit-proto.h"

#include <stddef.h>

#include "mu-status.h"

/* The one table of unit status codes: wire byte = -code. */
static const struct {
	int code;
	const char *name;
	const char *text;
} unit_errors[] = {
    {MU_OK, "ok", "success"},
    {MU_ERR_ARG, "arg", "invalid argument"},
    {MU_ERR_MALFORMED, "malformed", "the message does not follow the unit protocol"},
    {MU_ERR_TOO_LONG, "too-long", "a field or message exceeds its size limit"},
    {MU_ERR_NOMEM, "nomem", "out of memory"},
    {MU_ERR_CRYPTO, "crypto", "cryptographic operation failed"},
    {MU_ERR_VERIFY, "verify", "signature or certificate verification failed"},
    {MU_UNIT_ERR_UNKNOWN_OP, "unknown-op",
     "unknown operation or admin command; check that client and unit versions match"},
    {MU_UNIT_ERR_WRONG_UNIT, "wrong-unit",
     "the admin block names another crypto unit; sign a block for this unit"},
    {MU_UNIT_ERR_COUNTER, "counter",
     "transaction counter mismatch (replayed or stale command); fetch the status and sign "
     "again"},
    {MU_UNIT_ERR_NOT_ADMIN, "not-admin",
     "a signature is by a key that is not an installed administrator"},
    {MU_UNIT_ERR_BAD_SIGNATURE, "bad-signature",
     "an administrator signature does not verify over this command"},
    {MU_UNIT_ERR_QUORUM, "quorum",
     "not enough administrator signatures for this command; collect more signatures"},
    {MU_UNIT_ERR_IMPRINT, "imprint",
     "the unit is in imprint mode; set the thresholds before master key operations"},
    {MU_UNIT_ERR_THRESHOLD, "threshold",
     "thresholds must be 1 to 8 and not above the number of administrators"},
    {MU_UNIT_ERR_ADMINS_FULL, "admins-full", "the unit already has 8 administrators"},
    {MU_UNIT_ERR_ADMIN_EXISTS, "admin-exists", "this administrator is already installed"},
    {MU_UNIT_ERR_ADMIN_UNKNOWN, "admin-unknown", "no administrator with this key id"},
    {MU_UNIT_ERR_ADMIN_MIN, "admin-min",
     "removing this administrator would leave fewer administrators than a threshold; lower "
     "the thresholds first"},
    {MU_UNIT_ERR_BAD_CERT, "bad-cert",
     "the administrator certificate is not a self-signed P-521/SHA-512 certificate with a "
     "name"},
    {MU_UNIT_ERR_NEW_FULL, "new-full",
     "the new master key register is already full or committed; clear it to load other parts"},
    {MU_UNIT_ERR_NEW_INCOMPLETE, "new-incomplete",
     "the new master key register is empty or partially loaded; load all parts first"},
    {MU_UNIT_ERR_NEW_UNCOMMITTED, "new-uncommitted",
     "the new master key register is not committed; commit it first"},
    {MU_UNIT_ERR_NO_CURRENT, "no-current", "the unit has no valid current master key"},
    {MU_UNIT_ERR_PARTS_MISMATCH, "parts-mismatch",
     "the number of parts differs from the one given with the first part"},
    {MU_UNIT_ERR_VP_MISMATCH, "vp-mismatch",
     "the verification pattern differs from the new register's; check the key parts"},
    {MU_UNIT_ERR_IMPORTER, "importer",
     "importer key unknown or already used; generate a new importer key"},
    {MU_UNIT_ERR_ENVELOPE, "envelope", "the key-part envelope does not open"},
    {MU_UNIT_ERR_KEYS_EXIST, "keys-exist",
     "refused while key storage holds keys; use rotate to change the master key"},
    {MU_UNIT_ERR_TOKEN, "token", "service token missing or wrong"},
    {MU_UNIT_ERR_KEY_UNKNOWN, "key-unknown", "no storage key with this handle"},
    {MU_UNIT_ERR_STORAGE_FULL, "storage-full", "key storage is full (5000 keys)"},
    {MU_UNIT_ERR_ROLE, "role", "this command is only for recovery units"},
    {MU_UNIT_ERR_NO_RECOVERY_KEY, "no-recovery-key",
     "the recovery unit has not generated a master key yet"},
    {MU_UNIT_ERR_UNWRAP, "unwrap", "the wrapped data does not authenticate under this key"},
    {MU_UNIT_ERR_TRUST, "trust",
     "certificate does not chain to the manufacturer root of this instance"},
    {MU_UNIT_ERR_PERSIST, "persist",
     "the unit could not save its state; nothing changed (check the disk)"},
    {MU_UNIT_ERR_INTERNAL, "internal", "unexpected failure inside the unit"},
    {MU_UNIT_ERR_FRAME, "frame", "frame length is 0 or above 1 MiB"},
};

static int find_status(int status)
{
	for (size_t i = 0; i < sizeof(unit_errors) / sizeof(unit_errors[0]); i++)
		if (unit_errors[i].code == status)
			return (int)i;
	return -1;
}

const char *mu_unit_strerror(int status)
{
	int i = find_status(status);
	return i < 0 ? "unknown unit error" : unit_errors[i].text;
}

const char *mu_unit_status_name(int status)
{
	int i = find_status(status);
	return i < 0 ? "unknown" : unit_errors[i].name;
}

static const struct {
	uint16_t cmd;
	const char *name;
	bool mk_op;
} commands[] = {
    {MU_UNIT_CMD_ADD_ADMIN, "add-admin", false},
    {MU_UNIT_CMD_REMOVE_ADMIN, "remove-admin", false},
    {MU_UNIT_CMD_SET_THRESHOLDS, "set-thresholds", false},
    {MU_UNIT_CMD_GEN_IMPORTER, "generate-importer", true},
    {MU_UNIT_CMD_LOAD_PART, "load-part", true},
    {MU_UNIT_CMD_COMMIT, "commit", true},
    {MU_UNIT_CMD_SET_IMMEDIATE, "set-immediate", true},
    {MU_UNIT_CMD_ROTATE, "rotate", true},
    {MU_UNIT_CMD_CLEAR_NEW, "clear-new", true},
    {MU_UNIT_CMD_CLEAR_CURRENT, "clear-current", true},
    {MU_UNIT_CMD_ZEROIZE, "zeroize", false},
    {MU_UNIT_CMD_RECOVERY_GENERATE, "recovery-generate", true},
    {MU_UNIT_CMD_RECOVERY_EXPORT, "recovery-export", true},
};

static int find_cmd(uint16_t cmd)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].cmd == cmd)
			return (int)i;
	return -1;
}

const char *mu_unit_cmd_name(uint16_t cmd)
{
	int i = find_cmd(cmd);
	return i < 0 ? NULL : commands[i].name;
}

bool mu_unit_cmd_is_mk_op(uint16_t cmd)
{
	int i = find_cmd(cmd);
	return i >= 0 && commands[i].mk_op;
}

int mu_unit_cmd_required_sigs(uint16_t cmd, uint8_t sig_threshold, uint8_t rev_threshold,
                              uint8_t new_sig_threshold)
{
	bool imprint = sig_threshold == 0;
	switch (cmd) {
	case MU_UNIT_CMD_ADD_ADMIN:
		return sig_threshold;
	case MU_UNIT_CMD_REMOVE_ADMIN:
		return rev_threshold;
	case MU_UNIT_CMD_SET_THRESHOLDS:
		return imprint ? new_sig_threshold : sig_threshold;
	case MU_UNIT_CMD_COMMIT:
	case MU_UNIT_CMD_RECOVERY_GENERATE:
		return sig_threshold;
	case MU_UNIT_CMD_ZEROIZE:
		return imprint ? 0 : 1;
	case MU_UNIT_CMD_GEN_IMPORTER:
	case MU_UNIT_CMD_LOAD_PART:
	case MU_UNIT_CMD_SET_IMMEDIATE:
	case MU_UNIT_CMD_ROTATE:
	case MU_UNIT_CMD_CLEAR_NEW:
	case MU_UNIT_CMD_CLEAR_CURRENT:
	case MU_UNIT_CMD_RECOVERY_EXPORT:
		return 1;
	default:
		return -1;
	}
}
