"""PrivateVpc: a VPC for SageMaker Studio with private subnets, VPC endpoints and one security group.

Endpoints are the services the caller names (derived from the personas' activities); a separate endpoint
security group admits HTTPS from the Studio security group only. No internet gateway unless egress; then a
single NAT gateway in one public subnet.
"""

from __future__ import annotations

import ipaddress

from constructs import Construct

from .aws import aws
from .kms import KmsKey
from .policy import statement
from .service_role import ServiceRole

# Services reached through a gateway endpoint (a route), not an interface endpoint (ENIs in the subnets).
# https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
GATEWAY_SERVICES = ("s3",)
ZONE_LETTERS = "abcd"


def subnet_cidrs(cidr: str, zones: int) -> tuple[list[str], str]:
    """(private subnet per zone, public subnet): the VPC split in eighths, the last one public."""
    net = ipaddress.IPv4Network(cidr)
    blocks = [str(b) for b in net.subnets(new_prefix=net.prefixlen + 3)]
    return blocks[:zones], blocks[-1]


class PrivateVpc(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        region: str,
        cidr: str,
        zones: int,
        endpoints: list[str],
        egress: bool,
    ) -> None:
        super().__init__(scope, id)
        self.vpc = aws.vpc.Vpc(
            self, "vpc", cidr_block=cidr, enable_dns_hostnames=True, enable_dns_support=True, tags={"Name": name}
        )
        self.vpc_id = self.vpc.id
        # Terraform adopts the default security group and removes its rules: nothing may use it.
        aws.default_security_group.DefaultSecurityGroup(
            self, "default-sg", vpc_id=self.vpc.id, tags={"Name": f"{name}-default-unused"}
        )
        private, public = subnet_cidrs(cidr, zones)
        self.route_table = aws.route_table.RouteTable(
            self, "private-routes", vpc_id=self.vpc.id, tags={"Name": f"{name}-private"}
        )
        self.subnets = []
        for i, block in enumerate(private):
            zone = f"{region}{ZONE_LETTERS[i]}"
            subnet = aws.subnet.Subnet(
                self,
                f"private-{zone}",
                vpc_id=self.vpc.id,
                cidr_block=block,
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-private-{zone}"},
            )
            aws.route_table_association.RouteTableAssociation(
                self, f"private-{zone}-routes", subnet_id=subnet.id, route_table_id=self.route_table.id
            )
            self.subnets.append(subnet)
        self.subnet_ids = [s.id for s in self.subnets]

        self.security_group = aws.security_group.SecurityGroup(
            self,
            "studio-sg",
            name=f"{name}-studio",
            description="Studio apps and SageMaker jobs",
            vpc_id=self.vpc.id,
            revoke_rules_on_delete=True,
            tags={"Name": f"{name}-studio"},
        )
        sg = self.security_group.id
        self.endpoint_security_group = aws.security_group.SecurityGroup(
            self,
            "endpoints-sg",
            name=f"{name}-endpoints",
            description="Interface endpoints: HTTPS from Studio apps and jobs",
            vpc_id=self.vpc.id,
            revoke_rules_on_delete=True,
            tags={"Name": f"{name}-endpoints"},
        )
        endpoint_sg = self.endpoint_security_group.id
        # Studio apps talk to each other (and the domain's EFS); they reach AWS services on 443 through the endpoints.
        # https://docs.aws.amazon.com/sagemaker/latest/dg/studio-notebooks-and-internet-access.html
        ingress, egress_rule = (
            aws.vpc_security_group_ingress_rule.VpcSecurityGroupIngressRule,
            aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule,
        )
        ingress(
            self,
            "ingress-self",
            security_group_id=sg,
            referenced_security_group_id=sg,
            ip_protocol="-1",
            description="between Studio apps, jobs and EFS",
        )
        egress_rule(
            self,
            "egress-self",
            security_group_id=sg,
            referenced_security_group_id=sg,
            ip_protocol="-1",
            description="between Studio apps, jobs and EFS",
        )
        egress_rule(
            self,
            "egress-endpoints",
            security_group_id=sg,
            referenced_security_group_id=endpoint_sg,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="HTTPS to the interface endpoints",
        )
        ingress(
            self,
            "endpoints-ingress-https",
            security_group_id=endpoint_sg,
            referenced_security_group_id=sg,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="HTTPS from Studio apps and jobs",
        )
        self.security_group_ids = [sg]

        self.s3_endpoint = aws.vpc_endpoint.VpcEndpoint(
            self,
            "s3",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[self.route_table.id],
            tags={"Name": f"{name}-s3"},
        )
        egress_rule(
            self,
            "egress-s3",
            security_group_id=sg,
            prefix_list_id=self.s3_endpoint.prefix_list_id,
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="S3 gateway endpoint",
        )
        self.interface_endpoints = {}
        for service in sorted(set(endpoints) - set(GATEWAY_SERVICES)):
            key = service.replace(".", "-")
            self.interface_endpoints[service] = aws.vpc_endpoint.VpcEndpoint(
                self,
                f"endpoint-{key}",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.subnet_ids,
                security_group_ids=[endpoint_sg],
                tags={"Name": f"{name}-{key}"},
            )
        if egress:
            self._internet(name, region, public, sg)

    def _internet(self, name: str, region: str, public_cidr: str, sg: str) -> None:
        igw = aws.internet_gateway.InternetGateway(self, "igw", vpc_id=self.vpc.id, tags={"Name": name})
        zone = f"{region}a"
        public = aws.subnet.Subnet(
            self,
            "public",
            vpc_id=self.vpc.id,
            cidr_block=public_cidr,
            availability_zone=zone,
            map_public_ip_on_launch=False,
            tags={"Name": f"{name}-public"},
        )
        routes = aws.route_table.RouteTable(self, "public-routes", vpc_id=self.vpc.id, tags={"Name": f"{name}-public"})
        aws.route.Route(
            self, "public-default", route_table_id=routes.id, destination_cidr_block="0.0.0.0/0", gateway_id=igw.id
        )
        aws.route_table_association.RouteTableAssociation(
            self, "public-routes-assoc", subnet_id=public.id, route_table_id=routes.id
        )
        eip = aws.eip.Eip(self, "nat-ip", domain="vpc", tags={"Name": f"{name}-nat"})
        nat = aws.nat_gateway.NatGateway(
            self, "nat", allocation_id=eip.id, subnet_id=public.id, tags={"Name": name}, depends_on=[igw]
        )
        aws.route.Route(
            self,
            "private-default",
            route_table_id=self.route_table.id,
            destination_cidr_block="0.0.0.0/0",
            nat_gateway_id=nat.id,
        )
        aws.vpc_security_group_egress_rule.VpcSecurityGroupEgressRule(
            self,
            "egress-internet",
            security_group_id=sg,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="HTTPS through NAT (network.egress: nat)",
        )


class VpcFlowLogs(Construct):
    """Every flow of the VPC (accepted and rejected) to a KMS-encrypted log group kept for a year."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc_id: str,
        name: str,
        key: KmsKey,
        region: str,
        account_id: str,
        partition: str,
    ) -> None:
        super().__init__(scope, id)
        group_name = f"/aws/vpc/{name}/flow-logs"
        group_arn = f"arn:{partition}:logs:{region}:{account_id}:log-group:{group_name}"
        key.add_statements(
            statement(
                "CloudWatchLogsEncryptFlowLogs",
                ["kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                "*",
                principal={"Service": f"logs.{region}.amazonaws.com"},
                condition={"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group_arn}},
            )
        )
        self.log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self, "log-group", name=group_name, kms_key_id=key.arn, retention_in_days=365
        )
        role = ServiceRole(
            self,
            "role",
            role_name=f"{name}-flow-logs",
            description=f"Delivers the flow logs of {name}",
            service="vpc-flow-logs.amazonaws.com",
            statements=[
                statement(
                    "DeliverFlowLogs",
                    ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                    [group_arn, f"{group_arn}:log-stream:*"],
                )
            ],
            trust_condition={"StringEquals": {"aws:SourceAccount": account_id}},
        )
        aws.flow_log.FlowLog(
            self,
            "flow-log",
            vpc_id=vpc_id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=600,
            depends_on=[role.policy],
        )
