"""Deterministic distractor articles about other campus systems, used to grow a KB for benchmarks."""

from __future__ import annotations

import random
from collections.abc import Sequence

from knowledge_base.article import Article

DEFAULT_SEED = 20240601

_SYSTEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("教务系统", ("教务", "选课", "成绩")), ("学校邮箱", ("邮箱", "邮件", "企业邮")),
    ("一卡通", ("校园卡", "饭卡", "一卡通")), ("VPN", ("vpn", "远程访问", "校外接入")),
    ("图书馆", ("图书馆", "借阅", "电子资源")), ("OA 办公系统", ("oa", "公文", "办公")),
    ("财务系统", ("财务", "报销", "网上报账")), ("人事系统", ("人事", "教职工", "职称")),
    ("科研管理系统", ("科研", "项目申报", "经费")), ("研究生管理系统", ("研究生", "培养", "学位")),
    ("学工系统", ("学工", "奖助学金", "辅导员")), ("资产管理系统", ("资产", "设备", "固定资产")),
    ("校园网", ("校园网", "wifi", "上网")), ("网上办事大厅", ("办事大厅", "网上办事", "服务事项")),
    ("迎新系统", ("迎新", "新生", "报到")), ("离校系统", ("离校", "毕业生", "手续")),
    ("实验室预约平台", ("实验室", "仪器预约", "大型仪器")), ("宿舍管理系统", ("宿舍", "公寓", "住宿")),
    ("档案系统", ("档案", "档案查询", "调档")), ("招生系统", ("招生", "报名", "录取")),
    ("就业系统", ("就业", "签约", "三方协议")), ("后勤报修平台", ("报修", "后勤", "维修")),
    ("会议室预约系统", ("会议室", "预约", "场地")), ("正版软件平台", ("正版软件", "激活", "授权")),
    ("校园云盘", ("云盘", "网盘", "共享文件")), ("视频会议系统", ("视频会议", "腾讯会议", "直播")),
    ("问卷系统", ("问卷", "调查", "表单")), ("党建系统", ("党建", "党费", "组织关系")),
)

_ACTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("忘记密码如何重置", ("忘记密码", "重置密码", "密码")), ("账号被锁定怎么办", ("账号锁定", "账号", "解锁")),
    ("如何修改登录密码", ("修改密码", "密码", "登录")), ("如何申请开通账号", ("开通账号", "账号申请", "账号")),
    ("附件上传失败", ("上传", "附件", "上传失败")), ("上传文件大小有限制吗", ("上传", "文件大小", "附件")),
    ("审批流程怎么走", ("审批", "流程", "审批流程")), ("审批被退回怎么办", ("审批", "退回", "驳回")),
    ("统计报表如何导出", ("统计", "报表", "导出")), ("数据有没有备份", ("备份", "数据", "数据恢复")),
    ("在校外怎么登录", ("校外", "登录", "外网")), ("没有权限怎么申请", ("权限", "权限申请", "授权")),
    ("打印凭证在哪里", ("打印", "凭证", "下载")), ("历史记录怎么查询", ("查询", "历史记录", "记录")),
    ("手机号换了如何绑定", ("手机号", "绑定", "个人信息")), ("收不到消息通知", ("通知", "消息", "提醒")),
    ("页面打不开或报错", ("打不开", "报错", "无法访问")), ("用什么浏览器访问", ("浏览器", "兼容", "谷歌浏览器")),
    ("批量导入数据的模板", ("批量导入", "模板", "excel")), ("提交后还能修改吗", ("修改", "提交", "撤回")),
    ("审核进度在哪看", ("审核", "进度", "状态")), ("需要签字盖章吗", ("签字", "盖章", "纸质材料")),
    ("服务时间和联系电话", ("联系电话", "服务时间", "咨询")), ("操作手册在哪下载", ("手册", "下载", "使用说明")),
    ("系统很慢怎么回事", ("卡顿", "慢", "访问慢")), ("扫码登录失败", ("扫码", "二维码", "登录")),
    ("误删了数据能恢复吗", ("误删", "恢复", "数据")), ("如何导出 excel 明细", ("导出", "excel", "明细")),
    ("图片上传不了", ("图片", "上传", "照片")), ("如何删除错误记录", ("删除", "记录", "错误")),
    ("统一身份认证登录不了", ("统一认证", "登录", "身份认证")), ("数据统计口径说明", ("统计", "口径", "数据")),
    ("如何撤回已提交的申请", ("撤回", "申请", "提交")), ("附件下载乱码", ("附件", "下载", "乱码")),
    ("账号注销和交接", ("注销", "交接", "离职")), ("备份文件如何下载", ("备份", "下载", "文件")),
    ("如何设置审批人", ("审批人", "设置", "审批")), ("页面显示不全", ("显示", "页面", "错位")),
    ("如何发布通知", ("通知", "发布", "公告")), ("安全漏洞整改要求", ("漏洞", "整改", "安全")),
)

_TEMPLATES: tuple[str, ...] = (
    "{sys}{act}", "{sys}：{act}", "在{sys}中{act}", "{sys}使用问题：{act}", "关于{sys}，{act}",
    "{sys}里{act}", "{sys}常见问题之{act}", "{alias}（{sys}）{act}", "{sys}{act}？",
)


def pad_articles(articles: Sequence[Article], total: int, seed: int = DEFAULT_SEED) -> list[Article]:
    """Return ``articles`` followed by generated distractors until there are ``total`` articles."""
    needed = max(0, total - len(articles))
    combos = [(s, a, t) for s in range(len(_SYSTEMS)) for a in range(len(_ACTIONS)) for t in range(len(_TEMPLATES))]
    rng = random.Random(seed)
    rng.shuffle(combos)
    padded = list(articles)
    for number in range(needed):
        system, action, template = combos[number % len(combos)]
        padded.append(_distractor(number, (system, action, template), rng))
    return padded


def _distractor(number: int, combo: tuple[int, int, int], rng: random.Random) -> Article:
    system, action, template = combo
    name, aliases = _SYSTEMS[system]
    act, act_words = _ACTIONS[action]
    alias = rng.choice(aliases)
    title = _TEMPLATES[template].format(sys=name, act=act, alias=alias)
    if number >= len(_SYSTEMS) * len(_ACTIONS) * len(_TEMPLATES):
        title = f"{title}（{number}）"
    keywords = tuple(dict.fromkeys([*rng.sample(aliases, 2), *rng.sample(act_words, 2)]))
    answer = (
        f"{name}的“{act}”问题由该系统的主管部门负责：请先查看{name}首页的使用说明，"
        f"仍无法解决时带上截图联系{alias}服务窗口，工作日内会有专人回复。"
    )
    return Article(f"pad.{number:05d}", title, answer, category=f"其他系统/{name}", keywords=keywords)
