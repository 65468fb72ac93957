"""NoneBot plugin of the service desk: thin matchers that hand QQ events to the services."""

from nonebot.plugin import PluginMetadata

__plugin_meta__ = PluginMetadata(
    name="网站群服务台",
    description="在 QQ 工作群里受理报修、回答常见问题、推送进度",
    usage="@机器人 描述问题；或发送“报修 …”",
    type="application",
    supported_adapters={"~onebot.v11"},
)
