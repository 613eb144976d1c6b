package main

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestIndexedFieldsOfFerretDBIndexDefinitions(t *testing.T) {
	for def, want := range map[string][]string{
		// A compound index as FerretDB creates it for {tenantId: 1, userNameLower: 1}.
		`CREATE UNIQUE INDEX users_5e7cc513_tenantid___usernam_dab18642_idx ON directory.users_5e7cc513 USING btree (((_jsonb -> 'tenantId'::text)), ((_jsonb -> 'userNameLower'::text)))`: {"tenantId", "userNameLower"},
		`CREATE UNIQUE INDEX users__id__67399184_idx ON d.users USING btree (((_jsonb -> '_id'::text)))`:                                                                                   {"_id"},
		`CREATE INDEX a_idx ON d.a USING btree (((_jsonb -> 'tenantId'::text)), ((_jsonb -> 'at'::text)) DESC)`:                                                                            {"tenantId", "at"},
		// A quote in a field name comes back doubled.
		`CREATE INDEX q_idx ON d.q USING btree (((_jsonb -> 'it''s'::text)))`: {"it''s"},
		// A dotted field is queried with #>, which a GIN index on -> does not serve: not mirrored.
		`CREATE INDEX n_idx ON d.n USING btree ((((_jsonb -> 'name'::text) -> 'given'::text)))`: nil,
	} {
		var got []string
		for _, m := range indexedField.FindAllStringSubmatch(def, -1) {
			got = append(got, m[1])
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", def, got, want)
		}
	}
}

func TestGinIndexNamesAreShortAndDistinct(t *testing.T) {
	long := "a_collection_name_much_longer_than_forty_bytes_abcdef_12345678"
	seen := map[string]bool{}
	for _, table := range []string{"users_5e7cc513", long, long + "x"} {
		for _, field := range []string{"_id", "userNameLower", "emailsLower"} {
			name := ginIndexName(table, field)
			if len(name) > 63 {
				t.Errorf("%s is longer than PostgreSQL's 63 bytes", name)
			}
			if seen[name] {
				t.Errorf("%s names two indexes", name)
			}
			seen[name] = true
		}
	}
}

func TestWithCustomPlans(t *testing.T) {
	got, err := withCustomPlans("postgres://u:p%40ss@127.0.0.1:5432/db?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(got)
	if q := u.Query(); q.Get("plan_cache_mode") != "force_custom_plan" || q.Get("sslmode") != "disable" {
		t.Errorf("query %q", u.RawQuery)
	}
	if p, _ := u.User.Password(); p != "p@ss" || u.Path != "/db" {
		t.Errorf("credentials or database lost: %s", got)
	}
	// The operator's own choice stands.
	if got, _ := withCustomPlans("postgresql://h/db?plan_cache_mode=auto"); got != "postgresql://h/db?plan_cache_mode=auto" {
		t.Errorf("got %s", got)
	}
	// A malformed URL is refused without being repeated (it may hold a password).
	if _, err := withCustomPlans("postgres://u:secret@[bad"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("err %v", err)
	}
	if _, err := withCustomPlans("host=localhost password=secret"); err == nil {
		t.Error("keyword/value form accepted")
	}
}
