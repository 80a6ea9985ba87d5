"""Stand-ins for the API and the keep-warm in alarm and dashboard tests: tiny real CDK metrics,
so those tests need neither construct (anything with these methods works)."""

from aws_cdk import aws_cloudwatch as cloudwatch


class FakeApi:
    """Tiny real CDK metrics standing in for an API (anything with these methods works)."""

    def _metric(self, name: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name=name,
            dimensions_map={"ApiName": "fake-api", "Stage": "v1"},
            statistic="Average",
        )

    def metric_count(self) -> cloudwatch.Metric:
        return self._metric("Count")

    def metric_client_error(self) -> cloudwatch.Metric:
        return self._metric("4XXError")

    def metric_server_error(self) -> cloudwatch.Metric:
        return self._metric("5XXError")

    def metric_latency(self) -> cloudwatch.Metric:
        return self._metric("Latency")

    def metric_integration_latency(self) -> cloudwatch.Metric:
        return self._metric("IntegrationLatency")


class FakeKeepWarm:
    """Tiny real CDK metrics standing in for the keep-warm pinger."""

    def _metric(self, name: str, namespace: str = "Fake/KeepWarm") -> cloudwatch.Metric:
        return cloudwatch.Metric(namespace=namespace, metric_name=name, statistic="Average")

    def metric_errors(self) -> cloudwatch.Metric:
        return self._metric("Errors", "AWS/Lambda")

    def metric_failed_pings(self) -> cloudwatch.Metric:
        return self._metric("FailedPings")

    def metric_pings_sent(self) -> cloudwatch.Metric:
        return self._metric("PingsSent")

    def metric_ping_latency(self) -> cloudwatch.Metric:
        return self._metric("PingLatency")

    def metric_suspected_cold_starts(self) -> cloudwatch.Metric:
        return self._metric("SuspectedColdStarts")
