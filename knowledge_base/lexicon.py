"""Domain vocabulary of website-cluster (站群) support: tokenizer words, synonym groups and scope words.

This is general domain knowledge written for the product, independent of any particular KB or benchmark:
it feeds the private jieba tokenizer, the synonym channel and the out-of-scope gate.
"""

from __future__ import annotations

import re

# Words the private jieba tokenizer must keep whole (it still splits them in search mode).
DOMAIN_WORDS: tuple[str, ...] = (
    "网站群", "站群", "站点", "后台", "前台", "栏目", "子栏目", "单页", "模板", "版块", "飘窗", "浮动窗口",
    "弹窗", "轮播图", "焦点图", "幻灯片", "缩略图", "标题图片", "封面图", "工作流", "送审", "三审三校",
    "错敏词", "敏感词", "错别字", "暗链", "挂马", "死链", "外链", "友情链接", "快捷入口", "页脚", "页头",
    "校徽", "水印", "附件", "置顶", "定时发布", "撤稿", "退稿", "驳回", "审核人", "信息员", "统一身份认证",
    "单点登录", "webvpn", "二级域名", "域名", "备案号", "证书", "小锁", "访问量", "点击量", "浏览量",
    "发稿量", "站内搜索", "全文检索", "首页", "导航", "改版", "专题", "哀悼日", "变灰", "手机版", "移动端",
    "自适应", "弱口令", "漏洞", "整改", "等保", "篡改", "备份", "回滚", "乱码", "预览", "登录", "登陆",
)

# Everyday words of web editing work that a particular KB may never spell out: a question using them is still about
# the website (the out-of-scope evidence counts them as known, knowledge_base/scope.py).
WORK_WORDS: tuple[str, ...] = (
    "稿子", "稿件", "文稿", "新闻稿", "发稿", "投稿", "来稿", "草稿", "公告", "通知", "动态", "要闻", "简讯", "报道",
    "上线", "挂网", "挂出", "挂上去", "清缓存",
    "样式", "格式", "底色", "背景色", "字号", "排版", "段落", "压缩包", "压缩", "安装包", "文档", "表单", "报名表",
    "把关", "终审", "初审", "复审", "再审", "签发", "值班", "报修", "工单", "截图", "报错", "转圈", "白屏", "卡住",
    "拉伸", "变形", "裁剪", "比例", "尺寸", "颜色", "校名", "标准字", "背景图",
    "网页", "页面", "链接", "超链接", "网址", "菜单", "按钮", "下拉框", "列表", "详情页", "文章页", "内容页",
)

# Words that name the university's people, units, events and everyday content: what the website publishes and who
# asks, never which system a question is about, so the out-of-scope evidence skips them (学院领导, 宣传部, 讲座).
CAMPUS_CONTEXT_WORDS: tuple[str, ...] = (
    "学校", "学院", "院系", "系里", "部门", "单位", "中心", "研究所", "研究院", "实验室", "办公室", "处室", "机关",
    "领导", "书记", "院长", "校长", "主任", "处长", "老师", "教师", "同事", "学生", "秘书", "负责人", "信息员",
    "宣传部", "党委", "团委", "工会", "教务处", "人事处", "学工部", "研究生院", "校办", "网信办", "信息中心",
    "讲座", "会议", "活动", "典礼", "开学", "毕业", "校庆", "迎新", "招聘", "招生", "简章", "预告", "喜报", "讣告",
    "师资", "师资队伍", "学术", "科研", "教学", "党建", "风采", "概况", "简介", "新闻", "通知公告", "学术活动",
    "产假", "出差", "放假", "寒假", "暑假", "周末", "晚上", "上午", "下午", "假期", "节假日",
)

# Operation classes: how users and authors name what they want to do. Longer forms first is not needed: any
# member found as a substring marks the class (single characters only where they rarely mean anything else).
ACTION_CLASSES: dict[str, tuple[str, ...]] = {
    "add": ("新增", "添加", "增加", "新建", "加个", "加一个", "加栏目", "建栏目", "开通", "加人", "插入", "建个", "建一个"),
    "delete": ("删除", "删掉", "删了", "删", "去掉", "移除", "下线", "撤回", "撤下", "撤掉", "撤稿", "取消", "关闭", "关掉", "停用", "隐藏"),
    "modify": ("修改", "改成", "改为", "改名", "更改", "更换", "换成", "换个", "换新", "调整", "变更", "更正", "改"),
    "restore": ("恢复", "找回", "还原", "回滚", "误删", "复原"),
    "upload": ("上传", "传不上", "传上去", "传不了"),
    "download": ("下载",),
    "configure": ("设置", "配置", "设定", "开启", "启用"),
    "find": ("查找", "搜索", "检索", "搜", "找不到", "查询"),
    "apply": ("申请",),
}

# Groups of words users and authors use for the same thing; the first entry is the canonical token.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("网站群", "站群", "网站群平台", "站群系统", "网站群管理平台", "cms", "建站平台"),
    ("后台", "管理端", "管理后台", "编辑端"),
    ("登录", "登陆", "登入", "登不上", "登不进", "进不去", "登录入口", "登陆入口", "入口", "信息门户", "门户", "从哪进", "从哪里进", "怎么进后台", "怎么进去"),
    ("密码", "口令", "秘码", "密马", "蜜码"),
    ("忘记密码", "密码忘了", "忘了密码", "想不起来", "找回密码", "重置密码", "密码重置"),
    ("锁定", "被锁", "锁了", "冻结", "解锁"),
    ("校外", "外网", "家里", "在家", "回家", "出差", "外地", "校园网外", "不在学校", "手机热点", "开热点", "手机流量", "校外网络", "老家"),
    ("开通账号", "开账号", "开个账号", "新增用户", "加账号", "新来的", "新入职", "新同事", "后台号", "开个号", "申请个账号", "开个后台", "开通后台"),
    ("交接", "离职", "调走", "调岗", "退休", "人员变动", "换人", "转过来", "换我来管", "接手", "接管", "交给别人"),
    ("权限", "没权限", "授权", "点不了", "灰色的按钮", "不能编辑", "分配栏目", "分配权限", "开权限"),
    ("浏览器", "ie", "兼容模式", "极速模式", "chrome", "edge", "火狐", "360浏览器", "换台电脑", "换个电脑", "换浏览器", "没反应", "点不动"),
    ("飘窗", "浮动窗口", "弹窗", "漂浮窗", "漂浮图片", "弹出窗口", "飘浮", "漂浮广告", "浮窗"),
    ("轮播图", "焦点图", "幻灯片", "banner", "大图", "滚动图", "轮播", "轮拨", "轮番"),
    ("缩略图", "标题图片", "封面图", "封面", "题图", "列表图片", "小图"),
    ("logo", "校徽", "标志", "校标", "徽标", "院徽"),
    ("https", "ssl", "证书", "小锁", "不安全", "加密"),
    ("置顶", "固顶", "排前面", "顶置", "最上面", "最前面", "排第一", "第一条"),
    ("定时发布", "定时", "自动发布", "自动发出", "预约发布", "到点发布", "指定时间", "准时", "提前设好", "提前设置", "到时间自动", "点自动"),
    ("审核", "审批", "送审", "审稿", "审核流程", "工作流", "谁来审", "谁审", "把关", "终审", "初审", "复审", "再审", "签发", "审一遍", "审完", "没人审",
        "审不了", "哪些人审", "几个人审", "先审后发"),
    ("退回", "驳回", "打回", "退稿", "不通过", "被退"),
    ("删除", "删掉", "下线", "撤回", "撤稿", "撤下", "撤掉", "取消发布", "拿掉", "拿下来", "撤下来", "撤下去", "不让外面看到", "不想让外面看到", "不对外显示"),
    ("修改文章", "改文章", "改错字", "更正", "补充内容", "已发布的", "写错了", "写错", "发出去了", "已经发了", "发布以后", "发布之后"),
    ("紧急", "急稿", "加急", "马上发", "今天必须发", "来不及"),
    ("栏目", "频道", "版块", "菜单", "导航"),
    ("单页", "学院简介", "联系我们", "概况", "简介页"),
    ("跳转", "外链", "链接到", "直接打开", "跳到", "原网页", "原文链接", "原链接"),
    ("附件", "文件", "pdf", "word", "excel", "xls", "doc", "docx", "rar", "zip", "压缩包", "安装包", "报名表"),
    ("乱码", "文件名乱码", "打不开附件", "下载不了"),
    ("预览", "在线查看", "直接显示", "在线预览", "点开就看", "直接看", "不用下载", "在线看"),
    ("个人信息", "身份证", "手机号", "隐私", "打码", "脱敏", "家庭住址", "住址", "学号", "银行卡号"),
    ("统计", "统记", "报表", "数量统计"),
    ("访问量", "访问统计", "浏览量", "流量", "pv", "uv", "访客", "多少人访问", "访问人数", "多少人看", "多少人浏览", "人看过", "访问数据", "访问情况", "访问人次"),
    ("点击量", "阅读量", "浏览次数", "点击数", "阅读数", "点击次数"),
    ("发稿量", "发文数量", "发布数量", "发了多少", "考核", "工作量", "发了几篇", "各发了", "发了多少篇"),
    ("暗链", "被黑", "篡改", "挂马", "黑链", "赌博", "博彩", "非法链接", "黑客"),
    ("错别字", "错敏词", "敏感词", "错字", "校对", "表述错误", "差错", "职务写错", "名字写错"),
    ("死链", "失效链接", "坏链", "链接失效"),
    ("漏洞", "漏洞通报", "整改", "安全通报", "扫描报告", "等保", "测评", "扫出来", "安全检查", "复测", "销号", "复查", "整改报告"),
    ("手机", "移动端", "手机端", "手机版", "自适应"),
    ("打不开", "无法访问", "访问不了", "502", "503", "崩了", "挂了"),
    ("维护", "升级", "停机", "维护通知"),
    ("技术支持", "客服", "值班电话", "联系电话", "联系方式", "找谁", "qq群", "售后", "值班", "有人值班", "打哪个电话", "找你们", "联系你们", "服务时间", "上班时间",
        "工单", "提工单"),
    ("友情链接", "常用链接", "快捷入口", "快速通道", "相关链接", "下拉框", "兄弟院校", "合作单位"),
    ("页脚", "底部", "最下面", "版权信息", "版权年份", "备案号", "版权所有", "copyright"),
    ("改版", "重新设计", "新模板", "换模板", "布局", "版面", "换个样子", "整体换", "翻新", "换风格", "换个风格"),
    ("专题", "专题页", "专题网站", "活动页"),
    ("变灰", "黑白", "灰色", "哀悼", "去色", "彩色", "恢复颜色"),
    ("新建网站", "建站", "建个网站", "建网站", "申请网站", "开通网站", "新网站"),
    ("关闭网站", "网站下线", "停用", "关掉", "归档", "没人维护", "不更新", "合并了", "撤并", "机构调整"),
    ("域名", "网址", "换域名"),
    ("前台不显示", "没更新", "还是旧的", "看不到", "不显示", "没显示", "没出来", "就是没有", "列表里没有", "还是老样子", "没变化", "没有变化"),
    ("站内搜索", "搜索框", "搜不到", "搜索不到", "搜不出来", "网站上搜", "搜索结果"),
    ("备份", "恢复", "还原", "误删", "回滚", "救回来", "找回来", "回收站", "恢复到", "回到之前"),
    ("视频", "mp4", "短视频", "宣传片", "录像", "视屏", "影片", "微电影"),
    ("图片", "照片", "相片", "图像"),
    ("太大", "传不上", "传不了", "上传失败", "超过限制"),
    ("首行缩进", "空两格", "缩进", "行距", "字号", "行间距", "间距", "段间距", "有大有小", "大小不一", "大小不一样"),
    ("表格", "超出页面", "太宽", "表太宽", "插个表", "加个表", "插入表", "几行几列"),
    ("字体", "字形", "书法字", "宋体", "雅黑"),
    ("水印", "加水印", "去水印"),
    ("审核人不在", "人不在", "出国", "休假", "产假", "外出", "不在单位"),
    ("多栏目", "同时发", "同时发布", "同时显示", "同时出现", "都显示", "多个栏目", "同步发布", "同步到"),
    ("查找文章", "找文章", "找一篇", "怎么查", "查一下", "翻了好多页", "以前发的", "之前发的", "上个月发的", "去年发的"),
    ("模糊", "很虚", "发虚", "不清晰", "清晰度", "像素低"),
    ("排序", "调整顺序", "调顺序", "换个顺序", "前后顺序", "挪到", "往前挪", "往后挪", "移到前面", "对调", "先后顺序"),
    ("新增栏目", "加栏目", "加个栏目", "开个栏目", "新栏目", "建个栏目", "添加栏目", "新建栏目", "增加栏目"),
    ("署名", "作者", "摄影", "责任编辑", "撰稿", "供稿"),
    ("粘贴", "复制过来", "复制粘贴", "拷过来", "粘过来", "wps", "粘进来", "贴进来", "粘进去", "贴过来"),
)

# Words that place a question inside the website-cluster domain; strong ones on their own suffice.
STRONG_SCOPE_WORDS: tuple[str, ...] = (
    "网站", "站群", "网站群", "后台", "前台", "栏目", "站点", "网页", "首页", "主页", "飘窗", "轮播",
    "焦点图", "缩略图", "模板", "页脚", "页头", "友情链接", "信息员", "审核人", "送审", "三审三校", "建站",
    "二级域名", "域名", "暗链", "死链", "站内搜索", "稿件", "发稿", "新闻", "通知公告", "专题",
)
WEAK_SCOPE_WORDS: tuple[str, ...] = (
    "文章", "发布", "审核", "附件", "图片", "水印", "置顶", "链接", "logo", "校徽", "字体", "排版",
    "编辑器", "https", "证书", "漏洞", "备份", "统计", "访问量", "点击量", "阅读量", "权限", "账号",
    "登录", "登陆", "密码", "视频", "表格", "正文", "标题", "上传", "下载", "删除", "撤回", "退回",
)

# Other campus systems, a short general list: only weak evidence that a question is out of scope (the main evidence
# is the KB's own vocabulary, knowledge_base/scope.py). Not a list of every topic a KB might be padded with.
CAMPUS_SYSTEMS: tuple[str, ...] = (
    "邮箱", "邮件", "教务", "选课", "一卡通", "校园卡", "校园网", "wifi", "图书馆", "知网", "oa", "公文", "钉钉",
    "企业微信", "微信", "公众号", "报销", "财务", "打印机", "投影仪", "电脑", "病毒", "宿舍", "会议室", "腾讯会议",
    "office", "学习通", "问卷星", "超星", "雨课堂",
)

# Article-side topics for retrieval only: articles about another campus system are down-weighted unless the question
# names that system (Retriever._topic_factor). The out-of-scope decision does not use this table.
OUT_OF_SCOPE_TOPICS: dict[str, tuple[str, ...]] = {
    "邮箱": ("邮箱", "邮件", "收件", "发件", "outlook", "foxmail", "企业邮", "邮箱容量"),
    "VPN": ("vpn", "客户端", "easyconnect", "atrust", "闪退", "vpn软件", "安装包"),
    "校园网": ("校园网", "wifi", "无线网", "网线", "宽带", "网费", "上不了网", "断网", "ip冲突"),
    "一卡通": ("一卡通", "校园卡", "饭卡", "挂失", "充值", "补卡", "门禁"),
    "教务": ("教务", "选课", "成绩", "课表", "排课", "考试", "学分", "学籍", "补考", "教学评价"),
    "图书馆": ("图书馆", "借书", "还书", "知网", "文献", "数据库资源", "图书"),
    "OA 与办公": ("oa", "公文", "钉钉", "企业微信", "打卡", "请假", "会议室", "会议室预约", "用印", "考勤"),
    "财务": ("财务", "报销", "工资", "发票", "缴费", "学费", "预算", "酬金"),
    "人事": ("人事", "职称", "聘任", "社保", "公积金", "入职", "退休"),
    "公众号与新媒体": ("公众号", "微信推文", "秀米", "135编辑器", "视频号", "抖音", "微博"),
    "办公设备": ("打印机", "复印机", "投影", "投影仪", "电脑蓝屏", "重装系统", "u盘", "显示器", "鼠标"),
    "正版软件": ("正版软件", "office激活", "windows激活", "杀毒软件", "wps会员", "软件下载", "激活码"),
    "设计素材": ("ppt模板", "vi", "矢量图", "素材", "海报", "宣传册", "名片"),
    "数据库与服务器": ("mysql", "oracle", "sql server", "数据库", "云服务器", "虚拟机", "服务器托管"),
    "生活服务": ("宿舍", "食堂", "快递", "停车", "班车", "校车", "医保", "体检", "电费", "水电", "公寓"),
    "科研管理": ("科研管理", "科研系统", "项目申报", "科研经费", "横向项目", "纵向项目"),
    "研究生与学工": ("研究生管理", "研究生系统", "学工", "奖助学金", "辅导员", "迎新", "离校", "毕业生", "学位"),
    "资产与后勤": ("资产管理", "固定资产", "报修", "后勤", "仪器预约", "大型仪器"),
    "档案与招生就业": ("档案", "调档", "招生", "录取", "就业", "三方协议", "签约"),
    "其他业务平台": ("办事大厅", "网上办事", "云盘", "网盘", "视频会议", "腾讯会议", "问卷", "党建", "党费"),
}


# Common English IT words in mixed Chinese/English questions, mapped to the Chinese term the KB uses.
ENGLISH_GLOSSES: dict[str, str] = {
    "login": "登录", "logon": "登录", "signin": "登录", "log": "登录", "password": "密码", "pwd": "密码",
    "passwd": "密码", "account": "账号", "user": "用户", "admin": "管理员", "upload": "上传",
    "download": "下载", "attachment": "附件", "file": "文件", "image": "图片", "picture": "图片",
    "photo": "照片", "pic": "图片", "video": "视频", "popup": "飘窗", "carousel": "轮播图", "slider": "轮播图",
    "slideshow": "轮播图", "homepage": "首页", "home": "首页", "column": "栏目", "channel": "栏目",
    "menu": "栏目", "nav": "导航", "navigation": "导航", "rename": "改名", "template": "模板",
    "theme": "模板", "layout": "布局", "footer": "页脚", "header": "页头", "font": "字体", "table": "表格",
    "article": "文章", "post": "文章", "news": "新闻", "publish": "发布", "delete": "删除", "edit": "修改",
    "review": "审核", "approve": "审核", "workflow": "工作流", "top": "置顶", "pin": "置顶",
    "schedule": "定时发布", "link": "链接", "url": "网址", "domain": "域名", "search": "搜索",
    "backup": "备份", "restore": "恢复", "permission": "权限", "browser": "浏览器", "mobile": "手机",
    "certificate": "证书", "cert": "证书", "watermark": "水印", "thumbnail": "缩略图", "cover": "封面图",
    "preview": "预览", "stats": "统计", "statistics": "统计", "visits": "访问量", "website": "网站",
    "site": "网站", "web": "网站", "page": "页面", "failed": "失败", "fail": "失败", "error": "报错",
    "slow": "慢", "down": "打不开", "hacked": "被黑", "support": "技术支持", "contact": "联系方式",
    "heic": "图片", "png": "图片", "jpeg": "图片", "gif": "图片", "webp": "图片", "bmp": "图片", "iphone": "手机",
    "android": "手机", "ipad": "平板", "mov": "视频", "avi": "视频", "flv": "视频", "ppt": "文件", "pptx": "文件",
    "reset": "重置", "forgot": "忘记", "forget": "忘记", "change": "修改", "modify": "修改", "update": "更新",
    "add": "新增", "remove": "删除", "open": "打开", "locked": "锁定", "lock": "锁定", "new": "新",
}

_ASCII_TOKEN = re.compile(r"[a-z0-9]+")

# English function words of mixed-language questions, and the xx placeholder of Chinese writing; they name nothing.
ENGLISH_FUNCTION_WORDS = frozenset(
    "a an the to of in on at for and or is are be can how what why where when which who do does not no my our "
    "your it this that with from by i we you he she they me us please help hi hello ok xx xxx".split()
)

# Who asks and whose site it is ("在学院网站上加栏目", "我们单位的网站", "退休老师的账号", "学院合并了"): the setting
# of a question says nothing about what is asked, and an article that happens to mention 学院网站 or 学院 (applying
# for a new site) must not capture every question that does, so retrieval reads these words away. Names of pages
# and columns that contain them (学院简介, 学院新闻) stay.
ASKER_CONTEXT = re.compile(
    r"(?:我们|咱们|我院|本院|本单位|学院|学校|部门|单位|院系|系里|中心|研究所|研究院|处室){1,3}的?(?=网站|主页|官网|网页)"
    r"|(?:我们|咱们)?(?<!不在)(?:学院|学校|院系|系里)(?!简介|概况|新闻|要闻|主页|官网|网站)|老师|领导|(?<!新)同事"
)


def has_term(text: str, word: str) -> bool:
    """True when ``word`` occurs in ``text``; ASCII words must match whole ASCII tokens (oa is not upload)."""
    if word.isascii() and " " not in word:
        return word in _ASCII_TOKEN.findall(text)
    return word in text


def _any_term(text: str, words: tuple[str, ...], tokens: set[str]) -> bool:
    return any((w in tokens) if (w.isascii() and " " not in w) else (w in text) for w in words)


def topics_in(text: str) -> tuple[str, ...]:
    """Out-of-scope topics (other campus systems) named in normalised ``text``."""
    tokens = set(_ASCII_TOKEN.findall(text))
    return tuple(topic for topic, words in OUT_OF_SCOPE_TOPICS.items() if _any_term(text, words, tokens))


def foreign_topics(text: str) -> tuple[str, ...]:
    """Topics of an article that is about another system: it names one and no website-cluster word."""
    if _any_term(text, STRONG_SCOPE_WORDS, set(_ASCII_TOKEN.findall(text))):
        return ()
    return topics_in(text)
