package drivertest

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
)

// TestPointsEndToEnd: point() results arrive as the driver's Point2D and
// Point3D with Neo4j's SRIDs; driver points sent as parameters are stored as
// properties, compared, measured and read back; a bad point() is a client
// error.
func TestPointsEndToEnd(t *testing.T) {
	s := startServer(t, nil)
	d := driver(t, s, neo4j.AuthToken{})
	c := ctx(t)
	res, err := neo4j.ExecuteQuery(c, d, `RETURN point({x: 1, y: 2}) AS c2, point({x: 1, y: 2, z: 3}) AS c3,
		point({longitude: 12.78, latitude: 56.7}) AS g2, point({longitude: 1, latitude: 2, height: 3}) AS g3`,
		nil, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{
		dbtype.Point2D{SpatialRefId: 7203, X: 1, Y: 2}, dbtype.Point3D{SpatialRefId: 9157, X: 1, Y: 2, Z: 3},
		dbtype.Point2D{SpatialRefId: 4326, X: 12.78, Y: 56.7}, dbtype.Point3D{SpatialRefId: 4979, X: 1, Y: 2, Z: 3},
	}
	if diff := cmp.Diff(want, res.Records[0].Values); diff != "" {
		t.Fatalf("point() over Bolt (-want +got):\n%s", diff)
	}

	params := map[string]any{
		"home": dbtype.Point2D{SpatialRefId: 4326, X: 12.78, Y: 56.7},
		"work": dbtype.Point2D{SpatialRefId: 4326, X: 13.4, Y: 52.5},
		"desk": dbtype.Point3D{SpatialRefId: 9157, X: 1, Y: 1, Z: 1},
	}
	if _, err := neo4j.ExecuteQuery(c, d, "CREATE (:Person {home: $home, work: $work, desk: $desk})", params,
		neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	res, err = neo4j.ExecuteQuery(c, d, `MATCH (p:Person) WHERE p.home = $home
		RETURN p.home AS home, p.desk AS desk, point.distance(p.home, p.work) AS km, p.home.latitude AS lat,
		p.desk < point({x: 2, y: 2, z: 2}) AS lt, p.home.crs AS crs`,
		params, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 1 {
		t.Fatalf("%d rows matched the stored point, want 1", len(res.Records))
	}
	rec := res.Records[0]
	if diff := cmp.Diff([]any{params["home"], params["desk"]}, rec.Values[:2]); diff != "" {
		t.Errorf("stored points (-want +got):\n%s", diff)
	}
	if km := rec.Values[2].(float64); math.Abs(km-469243) > 1 {
		t.Errorf("distance %v m, want about 469243", km)
	}
	if rec.Values[3] != 56.7 || rec.Values[4] != true || rec.Values[5] != "wgs-84" {
		t.Errorf("latitude, <, crs = %v", rec.Values[3:])
	}

	_, err = neo4j.ExecuteQuery(c, d, "RETURN point({longitude: 0, latitude: 100})", nil, neo4j.EagerResultTransformer)
	if code(err) != "Neo.ClientError.Statement.ArgumentError" {
		t.Errorf("latitude 100: error %v, want an ArgumentError", err)
	}
}
