/*
 * test_pdu: the lenient reader of SMS-DELIVER records.
 *
 * The records are what the simulator's pdu.py builds (hostile_deliver,
 * encode_deliver), sent 2026-01-02 03:04:05 +08:00 by +97699000666: every
 * way a record can lie about its lengths or type, in GSM-7, UCS-2 and
 * 8-bit, must be named, and everything before the lie must still be read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pdu.h"

#define SENDER  "+97699000666"
#define SENT_AT INT64_C(1767294245)

/* Well-formed records. */
#define GSM7 "07917996090000F1040B917996090066F60000621020304050230BE8329BFD" \
    "06D1D1657919"
#define UCS2_UDH "07917996090000F1440B917996090066F6000862102030405023140500" \
    "03420201044104300439043D002004430443"
#define GSM7_UDH "07917996090000F1440B917996090066F6000062102030405023120500" \
    "03420201D06536FB0DA2A3CBF232"
#define BIT8 "07917996090000F1040B917996090066F6000462102030405023090102686F" \
    "7374696C65"
#define ALNUM "07917996090000F1040BD05567925A640200006210203040502302E834"
#define ALNUM_GSM7 "07917996090000F10412D01000375058443CFD20000062102030405023" \
    "00"
#define PROBE "07917996090000F1040B917996090066F640006210203040502300"

struct hostile {
	const char *alphabet, *kind, *hex;
};

/* pdu.py hostile_deliver(kind, alphabet) for every kind and alphabet. */
static const struct hostile hostile[] = {
	{ "gsm7", "udl_past", "07917996090000F1040B917996090066F600006210203040502333E8329BFD06D1D1657919" },
	{ "gsm7", "address_past", "07917996090000F104FF917996090066F60000621020304050230BE8329BFD06D1D1657919" },
	{ "gsm7", "udh_past", "07917996090000F1440B917996090066F6000062102030405023127F0003420201D06536FB0DA2A3CBF232" },
	{ "gsm7", "truncated_header", "07917996090000F1040B917996090066F60000621020" },
	{ "gsm7", "truncated_ud", "07917996090000F1040B917996090066F60000621020304050230BE8329BFD06" },
	{ "gsm7", "reserved_type", "07917996090000F1070B917996090066F60000621020304050230BE8329BFD06D1D1657919" },
	{ "gsm7", "udl_zero_with_data", "07917996090000F1040B917996090066F600006210203040502300E8329BFD06D1D1657919" },
	{ "ucs2", "udl_past", "07917996090000F1040B917996090066F600086210203040502336044104300439043D002004430443" },
	{ "ucs2", "address_past", "07917996090000F104FF917996090066F60008621020304050230E044104300439043D002004430443" },
	{ "ucs2", "udh_past", "07917996090000F1440B917996090066F6000862102030405023147F0003420201044104300439043D002004430443" },
	{ "ucs2", "truncated_header", "07917996090000F1040B917996090066F60008621020" },
	{ "ucs2", "truncated_ud", "07917996090000F1040B917996090066F60008621020304050230E04410430043904" },
	{ "ucs2", "reserved_type", "07917996090000F1070B917996090066F60008621020304050230E044104300439043D002004430443" },
	{ "ucs2", "udl_zero_with_data", "07917996090000F1040B917996090066F600086210203040502300044104300439043D002004430443" },
	{ "8bit", "udl_past", "07917996090000F1040B917996090066F6000462102030405023310102686F7374696C65" },
	{ "8bit", "address_past", "07917996090000F104FF917996090066F6000462102030405023090102686F7374696C65" },
	{ "8bit", "udh_past", "07917996090000F1440B917996090066F60004621020304050230F7F00034202010102686F7374696C65" },
	{ "8bit", "truncated_header", "07917996090000F1040B917996090066F60004621020" },
	{ "8bit", "truncated_ud", "07917996090000F1040B917996090066F6000462102030405023090102686F" },
	{ "8bit", "reserved_type", "07917996090000F1070B917996090066F6000462102030405023090102686F7374696C65" },
	{ "8bit", "udl_zero_with_data", "07917996090000F1040B917996090066F6000462102030405023000102686F7374696C65" },
};

/* What each kind must be called, and whether the sender comes before
 * the lie (so that it is still read). */
static enum pdu_status
expected(const char *kind, int *sender_read)
{
	static const struct {
		const char *kind;
		enum pdu_status st;
		int sender_read;
	} k[] = {
		{ "udl_past", PDU_ERR_UDL, 1 },
		{ "address_past", PDU_ERR_ADDRESS, 0 },
		{ "udh_past", PDU_ERR_UDH, 1 },
		{ "truncated_header", PDU_ERR_TRUNCATED, 1 },
		{ "truncated_ud", PDU_ERR_UDL, 1 },
		{ "reserved_type", PDU_ERR_TYPE, 0 },
		{ "udl_zero_with_data", PDU_ERR_TRAILING, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (strcmp(k[i].kind, kind) == 0) {
			*sender_read = k[i].sender_read;
			return k[i].st;
		}
	fail_msg("unknown kind %s", kind);
	return PDU_OK;
}

static void
test_well_formed(void **state)
{
	static const struct {
		const char *hex;
		int dcs, udl, udhi;
	} ok[] = {
		{ GSM7, 0x00, 11, 0 },
		{ UCS2_UDH, 0x08, 20, 1 },
		{ GSM7_UDH, 0x00, 18, 1 },
		{ BIT8, 0x04, 9, 0 },
		{ GSM7 "FFFF", 0x00, 11, 0 },   /* padding some phones add */
	};
	struct pdu_deliver d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(pdu_read_deliver(ok[i].hex, &d), PDU_OK);
		assert_int_equal(d.mti, 0);
		assert_string_equal(d.sender, SENDER);
		assert_int_equal(d.pid, 0);
		assert_int_equal(d.dcs, ok[i].dcs);
		assert_int_equal(d.udl, ok[i].udl);
		assert_int_equal(d.udhi, ok[i].udhi);
		assert_true(d.sent_at == SENT_AT);
	}
}

static void
test_every_lie_in_every_alphabet_is_named(void **state)
{
	struct pdu_deliver d;
	enum pdu_status want;
	size_t i;
	int sender_read, counts[3] = { 0, 0, 0 };

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		want = expected(hostile[i].kind, &sender_read);
		if (pdu_read_deliver(hostile[i].hex, &d) != want)
			fail_msg("%s %s: %s", hostile[i].alphabet,
			    hostile[i].kind, pdu_status_text(
			    pdu_read_deliver(hostile[i].hex, &d)));
		assert_string_equal(d.sender, sender_read ? SENDER : "");
		counts[strcmp(hostile[i].alphabet, "gsm7") == 0 ? 0 :
		    strcmp(hostile[i].alphabet, "ucs2") == 0 ? 1 : 2]++;
	}
	assert_int_equal(counts[0], 7);
	assert_int_equal(counts[1], 7);
	assert_int_equal(counts[2], 7);
}

static void
test_udh_element_past_the_header(void **state)
{
	char hex[sizeof(UCS2_UDH)];
	struct pdu_deliver d;
	char *ie;

	(void)state;
	memcpy(hex, UCS2_UDH, sizeof(hex));
	ie = strstr(hex, "050003");     /* UDHL 5, IEI 0, length 3 */
	assert_non_null(ie);
	memcpy(ie, "050009", 6);        /* the element now claims 9 */
	assert_int_equal(pdu_read_deliver(hex, &d), PDU_ERR_UDH);
}

static void
test_gsm7_header_longer_than_udl(void **state)
{
	char hex[sizeof(GSM7_UDH)];
	struct pdu_deliver d;
	char *udl;

	(void)state;
	memcpy(hex, GSM7_UDH, sizeof(hex));
	udl = strstr(hex, "2312050003");        /* last SCTS octet, UDL 18 */
	assert_non_null(udl);
	memcpy(udl + 2, "05", 2);       /* 5 septets cannot hold 6 octets */
	assert_int_equal(pdu_read_deliver(hex, &d), PDU_ERR_UDH);
}

static void
test_probe_pid_and_alphanumeric_sender(void **state)
{
	struct pdu_deliver d;

	(void)state;
	assert_int_equal(pdu_read_deliver(PROBE, &d), PDU_OK);
	assert_int_equal(d.pid, PDU_PID_TYPE0);
	assert_int_equal(d.udl, 0);
	assert_int_equal(pdu_read_deliver(ALNUM, &d), PDU_OK);
	assert_string_equal(d.sender, "UNITEL");
	/* GSM-7 letters outside ASCII become UTF-8; '@' is septet 0 */
	assert_int_equal(pdu_read_deliver(ALNUM_GSM7, &d), PDU_OK);
	assert_string_equal(d.sender, "Δ@Ö£éØ_ßñA");
}

/*
 * TP-SCTS read as Unix seconds, whatever the date and zone: leap days,
 * zones east and west (quarters of an hour, the sign in bit 3), past 2038;
 * a day past the month's end rolls over into the next, as it always has.
 * A field that is not a date reads as 0 and the record stays well-formed.
 * The expected seconds are computed outside C (Python's datetime).
 */
static void
test_timestamps(void **state)
{
	static const struct {
		const char *scts;       /* YY MM DD hh mm ss zone, swapped */
		int64_t want;
	} t[] = {
		{ "62102030405023", INT64_C(1767294245) }, /* 2026-01-02 +8h */
		{ "42209232959500", INT64_C(1709251199) }, /* 2024-02-29 */
		{ "00101000000059", INT64_C(946698300) },  /* 2000 -3:45 */
		{ "0020926003008C", INT64_C(951849000) },  /* 2000-02-29 -12h */
		{ "99211332959525", INT64_C(4102397999) }, /* 2099 +13h */
		{ "32201321000000", INT64_C(1677844800) }, /* 2023-02-31 */
		{ "42319232959500", 0 },        /* month 13 */
		{ "42200032959500", 0 },        /* day 0 */
		{ "4220A232959500", 0 },        /* not BCD */
		{ "42209242959500", 0 },        /* hour 24 */
		{ "42209232069500", 0 },        /* minute 60 */
		{ "42209232950600", 0 },        /* second 60 */
	};
	char hex[128];
	struct pdu_deliver d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(hex, sizeof(hex), "07917996090000F1040B917996090066F6"
		    "0000%s00", t[i].scts);
		assert_int_equal(pdu_read_deliver(hex, &d), PDU_OK);
		if (d.sent_at != t[i].want)
			fail_msg("%s: %lld, not %lld", t[i].scts,
			    (long long)d.sent_at, (long long)t[i].want);
	}
}

static void
test_not_a_record(void **state)
{
	char longhex[2 * PDU_BYTES_MAX + 3];
	struct pdu_deliver d;

	(void)state;
	memset(longhex, 'F', sizeof(longhex) - 1);
	longhex[sizeof(longhex) - 1] = '\0';
	assert_int_equal(pdu_read_deliver("", &d), PDU_ERR_HEX);
	assert_int_equal(pdu_read_deliver("0", &d), PDU_ERR_HEX);
	assert_int_equal(pdu_read_deliver("0G04", &d), PDU_ERR_HEX);
	assert_int_equal(pdu_read_deliver(longhex, &d), PDU_ERR_HEX);
	assert_int_equal(pdu_read_deliver(NULL, &d), PDU_ERR_HEX);
	assert_int_equal(d.mti, -1);
	assert_int_equal(pdu_read_deliver("0791799609", &d), PDU_ERR_SMSC);
	assert_int_equal(pdu_read_deliver("00", &d), PDU_ERR_SMSC);
	assert_int_equal(pdu_read_deliver("0004", &d), PDU_ERR_TRUNCATED);
	/* a status report is not a DELIVER */
	assert_int_equal(pdu_read_deliver("0006", &d), PDU_ERR_TYPE);
	assert_int_equal(d.mti, 2);
	assert_string_equal(pdu_status_text(PDU_ERR_UDH),
	    "user data header length past the user data");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed),
		cmocka_unit_test(test_every_lie_in_every_alphabet_is_named),
		cmocka_unit_test(test_udh_element_past_the_header),
		cmocka_unit_test(test_gsm7_header_longer_than_udl),
		cmocka_unit_test(test_probe_pid_and_alphanumeric_sender),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_not_a_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
